import { type RouteHandler, serveFromPackage, sleepAsync } from '@loopbench/contract';
import { createApp } from '@loopbench/server-express-blocking';

/** FastAPI async def: the wait is an awaited timer, so the one thread serves other requests meanwhile. */
const awaitingHandler: RouteHandler = async (route, params) => {
  await sleepAsync(route.waitMs(params));
  return route.reply(params);
};

// The very Express app of express-blocking, with only its wait changed: the control.
serveFromPackage(import.meta.url, (probe) => createApp(probe, awaitingHandler));

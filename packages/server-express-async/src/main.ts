import { awaitingHandler, serveFromPackage } from '@loopbench/contract';
import { createApp } from '@loopbench/server-express-blocking';

// The very Express app of express-blocking, with only its wait changed (an awaited timer, as in FastAPI's async def): the control.
serveFromPackage(import.meta.url, (stats) => createApp(stats, awaitingHandler));

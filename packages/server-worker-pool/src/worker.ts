import { type Params, type Reply, ROUTES, sleepBlocking } from '@loopbench/contract';

export interface Task {
  route: string;
  params: Params;
}

/** Runs one route's wait and work on a pool thread: a wait blocks this thread only, like time.sleep in a def endpoint. */
export default function run({ route, params }: Task): Reply {
  const spec = ROUTES.find((r) => r.name === route);
  if (!spec) throw new Error(`no route named ${route}`);
  sleepBlocking(spec.waitMs(params));
  return spec.reply(params);
}

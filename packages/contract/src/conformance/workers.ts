import { describe, expect, it } from 'vitest';
import { request } from '../client.js';
import { waitForExit } from '../launch.js';
import { concurrently, type SuiteContext, withServer } from './context.js';

/** WORKERS=2: two processes that share the load and all stop on SIGTERM, unless the server declares it cannot. */
export function describeWorkers({ server, exceptions, hardening }: SuiteContext): void {
  (exceptions.workers === undefined ? describe : describe.skip)(
    `${server.name}: WORKERS=2${exceptions.workers === undefined ? '' : ` — declared exception "workers": ${exceptions.workers}`}`,
    () => {
      const running = withServer(server, { env: { WORKERS: '2' } });

      hardening('workers-spread')('two concurrent /sleep?ms=300 take ≤ 1.3× one', async () => {
        const url = `${running().url}/sleep?ms=300`;
        await concurrently(2, () => request(url));
        const one = await concurrently(1, () => request(url));
        const two = await concurrently(2, () => request(url));
        expect(two.wallMs / one.wallMs).toBeLessThanOrEqual(1.3);
      });

      it('stops every worker on SIGTERM', async () => {
        // Fresh connections reach the workers as the kernel or the primary hands them out: ask until both answered.
        const pids = new Set<number>();
        for (let i = 0; i < 60 && pids.size < 2; i++) pids.add(((await request(`${running().url}/stats`)).json as { pid: number }).pid);
        expect(pids.size).toBe(2);
        const status = await running().stop();
        expect(status).toEqual({ code: 0, signal: null });
        for (const pid of pids) expect(await waitForExit(pid)).toBe(true);
      });
    },
  );
}

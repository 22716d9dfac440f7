import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { request } from '../client.js';
import { LIMITS, ROUTES } from '../routes.js';
import { SERVER_SETTINGS } from '../serve.js';
import { type SuiteContext, withServer } from './context.js';
import { isSlow, statusWithoutDatabase, targetArbitrary } from './generated.js';

const MS_RANGE = `from 0 to ${LIMITS.sleepMsMax}`;
const ITERATIONS_RANGE = `from 0 to ${LIMITS.cpuIterationsMax}`;

/** Every class of bad input, with the allowed range the error must name. */
export const BAD_INPUT_CASES: Array<[string, string]> = [
  ['/sleep', MS_RANGE],
  ['/sleep?ms=', MS_RANGE],
  ['/sleep?ms=abc', MS_RANGE],
  ['/sleep?ms=-1', MS_RANGE],
  ['/sleep?ms=1.5', MS_RANGE],
  ['/sleep?ms=1e3', MS_RANGE],
  ['/sleep?ms=0x10', MS_RANGE],
  ['/sleep?ms=+5', MS_RANGE],
  ['/sleep?ms=%205', MS_RANGE],
  ['/sleep?ms=Infinity', MS_RANGE],
  ['/sleep?ms=60001', MS_RANGE],
  ['/sleep?ms=99999999999999999999999', MS_RANGE],
  ['/sleep?ms=1&ms=2', MS_RANGE],
  ['/sleep?ms=5&ms=5', MS_RANGE],
  ['/query', MS_RANGE],
  ['/query?ms=60001', MS_RANGE],
  ['/query?ms=1.5', MS_RANGE],
  ['/cpu?iterations=', ITERATIONS_RANGE],
  ['/cpu?iterations=-5', ITERATIONS_RANGE],
  ['/cpu?iterations=1.0', ITERATIONS_RANGE],
  ['/cpu?iterations=2e6', ITERATIONS_RANGE],
  ['/cpu?iterations=0xff', ITERATIONS_RANGE],
  ['/cpu?iterations=100000001', ITERATIONS_RANGE],
  ['/cpu?iterations=1&iterations=1', ITERATIONS_RANGE],
  ['/stats?reset=2', 'from 0 to 1'],
];

/** 400, 404 and 405 refusals, oversized requests (414, 431) and generated query strings. */
export function describeBadInput({ server, hardening }: SuiteContext): void {
  describe(`${server.name}: bad input is refused with 4xx JSON, and the server keeps serving`, () => {
    const running = withServer(server);

    it.each(BAD_INPUT_CASES)('GET %s → 400 naming %s', async (target, range) => {
      const reply = await request(running().url + target);
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.json).toEqual({ error: expect.stringContaining(range) });
      expect((await request(`${running().url}/health`)).status).toBe(200);
    });

    it.each(['/nope', '/', '/sleep/extra', '/healthz', '/%zz', '/..%2f'])('GET %s → 404', async (target) => {
      const reply = await request(running().url + target);
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.json).toEqual({ error: expect.any(String) });
      if (!target.includes('%')) expect(reply.status).toBe(404);
    });

    it.each(ROUTES.flatMap((r) => ['POST', 'PUT', 'DELETE', 'PATCH'].map((m) => [m, r.path])))('%s %s → 405', async (method, path) => {
      const reply = await request(running().url + path, { method, body: '{}', headers: { 'content-type': 'application/json' } });
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
      expect(reply.json).toEqual({ error: expect.stringContaining('GET') });
    });

    hardening('oversized-requests')('refuses an oversized URL with 414 and oversized headers with 431', async () => {
      const url = running().url;
      const longUrl = await request(`${url}/fast?pad=${'a'.repeat(LIMITS.urlLengthMax)}`);
      expect(longUrl.status).toBe(414);
      expect(longUrl.json).toEqual({ error: expect.stringContaining(String(LIMITS.urlLengthMax)) });
      const bigHeaders = await request(`${url}/fast`, { headers: { 'x-pad': 'a'.repeat(SERVER_SETTINGS.maxHeaderSizeBytes + 1) } });
      expect(bigHeaders.status).toBe(431);
      expect(bigHeaders.json).toEqual({ error: expect.any(String) });
      expect((await request(`${url}/health`)).status).toBe(200);
    });

    it('never answers 5xx to generated query strings but the 503 of a /query with no database, and agrees with the contract on each', async () => {
      const url = running().url;
      await fc.assert(
        fc.asyncProperty(targetArbitrary(), async (target) => {
          fc.pre(!isSlow(target));
          const reply = await request(url + target, { timeoutMs: 10_000 });
          const expected = statusWithoutDatabase(target);
          if (expected !== undefined) expect(reply.status).toBe(expected);
          else expect(reply.status).toBeLessThan(500);
          if (reply.status >= 400) expect(reply.json).toEqual({ error: expect.any(String) });
        }),
        { numRuns: 300 },
      );
      expect((await request(`${url}/health`)).status).toBe(200);
    });
  });
}

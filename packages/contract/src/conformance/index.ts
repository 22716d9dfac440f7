import { describe, it } from 'vitest';
import { checkAvailability } from '../availability.js';
import { readServerPackage } from '../declaration.js';
import { describeBadInput } from './badInput.js';
import { describeConcurrencyModel } from './concurrencyModel.js';
import { suiteContext } from './context.js';
import { describeRoutes } from './coreRoutes.js';
import { describeDatabase } from './database.js';
import { describeHostileInput, withSlowClientBeside } from './hostileInput.js';
import { describeLifecycle } from './lifecycle.js';
import { describeWorkers } from './workers.js';

export { BAD_INPUT_CASES } from './badInput.js';
export { NULLABLE_STATS_FIELDS } from './coreRoutes.js';
export { type ParsedReply, parseReply, RAW_REQUEST_CASES, type RawRequestCase } from './rawRequests.js';

/** Servers whose packages require what is missing here run only where it is installed; CI sets this so they cannot skip. */
const REQUIRE_AVAILABLE = process.env.LOOPBENCH_REQUIRE_SERVERS === '1';

/**
 * The suite every server package runs in its own tests: routes, /stats, bad input, the
 * concurrency model it declares, /query in a real database, and its process behaviour (binding, settings, graceful stop).
 */
export function defineConformanceSuite(packageDir: string | URL): void {
  const dir = packageDir instanceof URL ? packageDir.pathname : packageDir;
  const server = readServerPackage(dir);
  if (!server) throw new Error(`${dir}/package.json has no "loopbench" field; see docs/adding-a-framework.md`);
  const availability = checkAvailability(server);
  if (!availability.available) {
    const why = `${server.name} is unavailable here: ${availability.reason}; install with: ${availability.install}`;
    if (REQUIRE_AVAILABLE) {
      it(`${server.name} is available (LOOPBENCH_REQUIRE_SERVERS=1)`, () => {
        throw new Error(why);
      });
    } else {
      describe.skip(why, () => {
        it('conformance', () => {});
      });
    }
    return;
  }
  const context = suiteContext(server);
  for (const [name, reason] of Object.entries(context.exceptions)) console.info(`${server.name}: declared exception "${name}": ${reason}`);
  withSlowClientBeside(context, () => {
    describeRoutes(context);
    describeBadInput(context);
    describeHostileInput(context);
    describeConcurrencyModel(context);
    describeDatabase(context);
    describeWorkers(context);
    describeLifecycle(context);
  });
}

import { describe, expect, it } from 'vitest';
import { collectEnvironment, describeLoad } from './environment.js';

describe('collectEnvironment', () => {
  it('names the load generators a run used, the processes they ran in, and where head-of-line sends from', () => {
    const env = collectEnvironment(process.cwd(), [], false, {
      autocannonVersion: '9.0.0',
      generators: 2,
      kinds: ['head-of-line', 'closed-loop', 'open-loop', 'closed-loop'],
    });
    expect(env.loadGenerator).toBe(
      "autocannon 9.0.0 (closed loop) and loopbench's open-loop generator, in 2 generator processes per run; head-of-line's requests from the harness process",
    );
    expect(env.loadGenerator).not.toContain('in the harness process)');
  });

  it('names only what the scenarios used', () => {
    expect(describeLoad({ autocannonVersion: '9.0.0', generators: 1, kinds: ['fixed-count', 'closed-loop'] })).toBe(
      'autocannon 9.0.0 (closed loop; fixed count, as ab -n N -c C), in 1 generator process per run',
    );
    expect(describeLoad({ autocannonVersion: '9.0.0', generators: 1, kinds: ['open-loop'] })).toBe(
      "loopbench's open-loop generator, in 1 generator process per run",
    );
    expect(describeLoad({ autocannonVersion: '9.0.0', generators: 3, kinds: ['head-of-line'] })).toBe(
      "head-of-line's requests from the harness process",
    );
  });
});

import { countTo } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { machineBusyCores, readMachineCpu } from './machineCpu.js';

describe('machine CPU', () => {
  it.skipIf(process.platform !== 'linux')('counts this process computing as at least most of a core', () => {
    const before = readMachineCpu();
    const started = Date.now();
    while (Date.now() - started < 300) countTo(100_000);
    const busy = machineBusyCores(before, readMachineCpu());
    expect(busy).toBeGreaterThan(0.7);
  });

  it('says nothing without two readings', () => {
    expect(machineBusyCores(undefined, { busy: 1, total: 2 })).toBeUndefined();
    expect(machineBusyCores({ busy: 1, total: 2 }, { busy: 1, total: 2 })).toBeUndefined();
  });
});

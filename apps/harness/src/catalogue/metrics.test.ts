import { describe, expect, it } from 'vitest';
import { METRIC_NAMES as FILE_METRIC_NAMES } from '../results/results.js';
import { METRIC_NAMES, METRICS } from './metrics.js';

describe('METRICS', () => {
  it("describes results.json's metric names, in their order (tables show metrics in this order)", () => {
    expect(Object.keys(METRICS)).toEqual([...FILE_METRIC_NAMES]);
    expect(METRIC_NAMES).toEqual([...FILE_METRIC_NAMES]);
  });
});

import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { bootstrapMedian, bootstrapMedianChange, median, ratio, relativeDifference, summarize } from './stats.js';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('keeps every run beside the median and range', () => {
    expect(summarize([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, runs: [10, 30, 20] });
  });
});

describe('ratio', () => {
  it('divides medians and widens the spread to the worst case', () => {
    const koa = summarize([190, 200, 210]);
    const express = summarize([19, 20, 21]);
    const r = ratio(koa, express);
    expect(r.median).toBe(10);
    expect(r.min).toBeCloseTo(190 / 21);
    expect(r.max).toBeCloseTo(210 / 19);
    expect(r.runs).toEqual([10, 10, 10]);
  });
});

describe('relativeDifference', () => {
  it('is signed and relative to the expected value', () => {
    expect(relativeDifference(105, 100)).toBeCloseTo(0.05);
    expect(relativeDifference(95, 100)).toBeCloseTo(-0.05);
    expect(relativeDifference(0, 0)).toBe(0);
    expect(relativeDifference(1, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('bootstrapMedian', () => {
  const options = () => ({ resamples: 10_000, confidence: 0.95, random: seededRandom(7) });

  it('brackets the median of one sample, and narrows as the sample grows', () => {
    const few = [0.9, 0.95, 1.0, 1.05, 1.1];
    const many = Array.from({ length: 40 }, (_, i) => few[i % 5] as number);
    const wide = bootstrapMedian(few, options());
    const narrow = bootstrapMedian(many, options());
    expect(wide.low).toBeLessThanOrEqual(1);
    expect(wide.high).toBeGreaterThanOrEqual(1);
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
    expect(narrow.low).toBeGreaterThanOrEqual(0.95);
    expect(narrow.high).toBeLessThanOrEqual(1.05);
  });

  it('is one point for identical values and undefined for none', () => {
    expect(bootstrapMedian([2, 2, 2], options())).toEqual({ low: 2, high: 2 });
    expect(bootstrapMedian([], options())).toEqual({ low: Number.NaN, high: Number.NaN });
  });
});

describe('bootstrapMedianChange', () => {
  const options = (seed = 1) => ({ resamples: 10_000, confidence: 0.95, random: seededRandom(seed) });

  it('is the ratio of the two ranges with 3 runs a side, each extreme median being 7 draws in 27', () => {
    const interval = bootstrapMedianChange([100, 104, 110], [90, 95, 99], options());
    expect(interval.low).toBeCloseTo(90 / 110 - 1);
    expect(interval.high).toBeCloseTo(99 / 100 - 1);
  });

  it('narrows inside the ratio of the ranges with more runs, around the change of the medians', () => {
    const before = [100, 103, 97, 101, 99, 104, 96, 100, 102];
    const after = before.map((v) => v * 1.2);
    const { low, high } = bootstrapMedianChange(before, after, options());
    expect(low).toBeGreaterThan((96 * 1.2) / 104 - 1);
    expect(high).toBeLessThan((104 * 1.2) / 96 - 1);
    expect(low).toBeLessThan(0.2);
    expect(high).toBeGreaterThan(0.2);
  });

  it('is the same for the same seed and close for another', () => {
    const before = [100, 97, 104, 99, 102];
    const after = [93, 99, 95, 101, 96];
    const first = bootstrapMedianChange(before, after, options(1));
    expect(bootstrapMedianChange(before, after, options(1))).toEqual(first);
    const other = bootstrapMedianChange(before, after, options(2));
    expect(other.low).toBeCloseTo(first.low, 2);
    expect(other.high).toBeCloseTo(first.high, 2);
  });

  it('is 0 … 0 for runs that never vary, and NaN with no runs', () => {
    expect(bootstrapMedianChange([5, 5, 5], [5, 5, 5], options())).toEqual({ low: 0, high: 0 });
    expect(bootstrapMedianChange([], [5, 5, 5], options())).toEqual({ low: Number.NaN, high: Number.NaN });
  });
});

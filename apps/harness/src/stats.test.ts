import { describe, expect, it } from 'vitest';
import { median, overlaps, ratio, relativeDifference, summarize } from './stats.js';

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

describe('overlaps', () => {
  it('tells ranges that share a value from ranges that do not', () => {
    expect(overlaps(summarize([1, 3]), summarize([3, 5]))).toBe(true);
    expect(overlaps(summarize([1, 2]), summarize([3, 5]))).toBe(false);
  });
});

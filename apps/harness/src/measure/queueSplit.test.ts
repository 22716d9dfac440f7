import { describe, expect, it } from 'vitest';
import { QueueSplit } from './queueSplit.js';

describe('QueueSplit', () => {
  it('splits mean latency into waiting and being served, over the answers that were timed', () => {
    const split = new QueueSplit();
    split.add(100, 10);
    split.add(100, 90);
    split.add(40, undefined);
    expect(split.result()).toEqual({ queueMsMean: 50, serviceMsMean: 50, queueShare: 0.5 });
    expect(split.untimed).toBe(1);
  });

  it('never counts more service than latency, and has no result without a timed answer', () => {
    const split = new QueueSplit();
    expect(split.result()).toBeUndefined();
    split.add(10, 12);
    expect(split.result()).toEqual({ queueMsMean: 0, serviceMsMean: 10, queueShare: 0 });
  });

  it("merges several generators' sums into the split of all their answers", () => {
    const one = new QueueSplit();
    one.add(100, 10);
    const two = new QueueSplit();
    two.add(100, 90);
    two.add(40, undefined);
    const merged = QueueSplit.merge([one.sums(), two.sums(), undefined]);
    expect(merged.result()).toEqual({ queueMsMean: 50, serviceMsMean: 50, queueShare: 0.5 });
    expect(merged.fields().splitSums).toEqual({ count: 2, latencySum: 200, serviceSum: 100, untimed: 1 });
  });
});

/** The sums behind a split's means, kept so several generators' splits add exactly. */
export interface SplitSums {
  count: number;
  latencySum: number;
  serviceSum: number;
  untimed: number;
}

/** A split's means over the timed answers, as results record them. */
export interface QueueSplitResult {
  queueMsMean: number;
  serviceMsMean: number;
  queueShare: number;
}

/**
 * Latency split by the server's own Server-Timing: `service` is the time its handler had the request,
 * `queue` the rest (waiting for the server to take it, plus the network and the client).
 */
export class QueueSplit {
  private count = 0;
  private latencySum = 0;
  private serviceSum = 0;
  /** Answers without a Server-Timing duration, left out of the split. */
  untimed = 0;

  add(latencyMs: number, servedMs: number | undefined): void {
    if (servedMs === undefined) {
      this.untimed += 1;
      return;
    }
    this.count += 1;
    this.latencySum += latencyMs;
    this.serviceSum += Math.min(servedMs, latencyMs);
  }

  /** The sums behind the means, to add another generator's to (`merge`). */
  sums(): SplitSums {
    return { count: this.count, latencySum: this.latencySum, serviceSum: this.serviceSum, untimed: this.untimed };
  }

  /** Several generators' splits as one: sums add, then the means are taken. */
  static merge(all: readonly (SplitSums | undefined)[]): QueueSplit {
    const merged = new QueueSplit();
    for (const sums of all) {
      if (!sums) continue;
      merged.count += sums.count;
      merged.latencySum += sums.latencySum;
      merged.serviceSum += sums.serviceSum;
      merged.untimed += sums.untimed;
    }
    return merged;
  }

  /** What a result carries of it: the means (when any answer was timed) and the sums behind them. */
  fields(): { split?: QueueSplitResult; splitSums: SplitSums } {
    const split = this.result();
    return { ...(split ? { split } : {}), splitSums: this.sums() };
  }

  /** Means over the timed answers; undefined when none was timed. */
  result(): QueueSplitResult | undefined {
    if (this.count === 0 || this.latencySum <= 0) return undefined;
    const queue = this.latencySum - this.serviceSum;
    return { queueMsMean: queue / this.count, serviceMsMean: this.serviceSum / this.count, queueShare: queue / this.latencySum };
  }
}

/** Per request, for load runs: far longer than any scenario's slowest request. */
export const REQUEST_TIMEOUT_S = 30;

/** Fewer answers than this in a run's window and its latency figures are not quoted. */
export const MIN_LATENCY_SAMPLES = 10;

/**
 * Measured requests each closed-loop connection sends at the least: a window shorter than a
 * connection's cycle (C·S on a blocking server) goes on until each has timed a whole cycle.
 */
export const MIN_CYCLES = 1;

/** Send lag past this makes an open-loop run untrustworthy: requests left later than planned. */
export const SEND_LAG_LIMIT_MS = 5;

/**
 * The loopback round trip and the generator's own turn outside the server's timing, on a shared
 * 2-core machine: what an open-loop latency may add to the server's own figures (analysis/lindley.ts).
 */
export const ROUND_TRIP_MS = 2;

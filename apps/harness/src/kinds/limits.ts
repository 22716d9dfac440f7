/** Per request, for load runs: far longer than any scenario's slowest request. */
export const REQUEST_TIMEOUT_S = 30;

/** Fewer answers than this in a run's window and its latency figures are not quoted. */
export const MIN_LATENCY_SAMPLES = 10;

/**
 * Measured requests each closed-loop connection sends at the least: a window shorter than a
 * connection's cycle (C·S on a blocking server) goes on until each has timed this many cycles. A
 * blocking Node server does not serve its connections strictly in turn (one sometimes misses a
 * round), and with one cycle each the window waits for just those: the latency mean read 5% over C/X.
 */
export const MIN_CYCLES = 3;

/** Send lag past this makes an open-loop run untrustworthy: requests left later than planned. */
export const SEND_LAG_LIMIT_MS = 5;

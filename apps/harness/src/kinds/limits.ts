/** Per request, for load runs: far longer than any scenario's slowest request. */
export const REQUEST_TIMEOUT_S = 30;

/** Fewer answers than this in a run's window and its latency figures are not quoted. */
export const MIN_LATENCY_SAMPLES = 10;

/** Send lag past this makes an open-loop run untrustworthy: requests left later than planned. */
export const SEND_LAG_LIMIT_MS = 5;

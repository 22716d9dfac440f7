/**
 * blocking: one request at a time, a wait blocks the thread; non-blocking: waits are awaited, one
 * event loop serves many; thread-pool: each request's wait and work run on one of a pool of threads,
 * so a wait blocks one pool thread (the package declares its poolSize).
 */
export type Model = 'blocking' | 'non-blocking' | 'thread-pool';

export const MODELS: readonly Model[] = ['blocking', 'non-blocking', 'thread-pool'];

/**
 * A load generator process: the harness forks one per --generators, sends it a job, and reads back
 * its result. Load never comes from the harness's own process, whose work (timers, /stats, progress)
 * would otherwise share an event loop with the requests it times.
 */
import { runClosedLoop, type Together } from './closedLoop.js';
import { runFixedCount } from './fixedCount.js';
import { runOpenLoop } from './openLoop.js';
import type { GeneratorJob, GeneratorReply, HarnessMessage } from './protocol.js';

/**
 * The harness's side of a closed loop run together with other generators' (closedLoop.ts's
 * Together); `dispose` removes what it still listens for, once its run has ended, so an aborted
 * run's listener cannot take the next run's `steady` or `close`.
 */
function together(): Together & { dispose(): void } {
  const listening = new Set<(message: HarnessMessage) => void>();
  const on = (type: 'steady' | 'close', listener: () => void) => {
    const heard = (message: HarnessMessage) => {
      if (message.type !== type) return;
      process.off('message', heard);
      listening.delete(heard);
      listener();
    };
    listening.add(heard);
    process.on('message', heard);
  };
  return {
    warm: () => send({ type: 'warm' }),
    closable: () => send({ type: 'closable' }),
    onSteady: (listener) => on('steady', listener),
    onClose: (listener) => on('close', listener),
    dispose: () => {
      for (const heard of listening) process.off('message', heard);
      listening.clear();
    },
  };
}

function run(job: GeneratorJob, signal: AbortSignal): Promise<unknown> {
  switch (job.kind) {
    case 'closed-loop': {
      const { together: shared, ...options } = job.options;
      if (!shared) return runClosedLoop({ ...options, signal });
      const coordination = together();
      return runClosedLoop({ ...options, signal, together: coordination }).finally(coordination.dispose);
    }
    case 'open-loop':
      return runOpenLoop({ ...job.options, signal });
    case 'fixed-count':
      return runFixedCount({ ...job.options, signal });
  }
}

const send = (reply: GeneratorReply) => process.send?.(reply);
// One run at a time; each has its own abort.
let running: AbortController | undefined;
// Ctrl-C reaches the whole process group: the harness decides, and tells this process to stop.
process.on('SIGINT', () => {});
// The harness has gone, or is done with it.
process.on('disconnect', () => process.exit(running ? 1 : 0));
process.on('message', (message: HarnessMessage) => {
  if (message.type === 'abort') running?.abort();
  if (message.type !== 'run') return;
  const controller = new AbortController();
  running = controller;
  run(message.job, controller.signal).then(
    (result) => {
      running = undefined;
      send({ type: 'result', result });
    },
    (error: Error) => {
      running = undefined;
      send({ type: 'error', message: error.message });
    },
  );
});
send({ type: 'ready' });

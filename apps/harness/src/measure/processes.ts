import type { ChildProcess } from 'node:child_process';

const gone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * Ends child processes and waits until each has exited: `ask` asks one to go (a disconnect, a quit
 * message), and one still there `graceMs` later is killed.
 */
export function endChildren(
  children: readonly ChildProcess[],
  graceMs: number,
  ask: (child: ChildProcess) => void = () => {},
): Promise<void> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (gone(child)) return resolve();
          child.once('exit', () => resolve());
          ask(child);
          setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
        }),
    ),
  ).then(() => undefined);
}

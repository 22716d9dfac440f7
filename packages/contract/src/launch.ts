import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { debuglog } from 'node:util';
import type { ServerPackage } from './declaration.js';
import type { ReadyLine } from './serve.js';

const log = debuglog('loopbench:launch');

export interface LaunchOptions {
  /**
   * Extra environment on top of the caller's and the declaration's "env"; PORT defaults to 0 and
   * HOST to 127.0.0.1; undefined unsets.
   */
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
  /** Prefix for the command, e.g. ["taskset", "-c", "0"]. */
  wrap?: string[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  name: string;
  pid: number;
  ready: ReadyLine;
  url: string;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<ExitStatus>;
  /** The last lines the process printed, for error messages. */
  outputTail(): string;
  /** SIGTERM to the whole process group, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /**
   * Freezes the whole process group (SIGSTOP) or thaws it (SIGCONT): a server waiting for its turn
   * then takes no CPU from the one being measured, and keeps its warm code.
   */
  pause(): void;
  resume(): void;
}

export class ServerStartError extends Error {
  override name = 'ServerStartError';
  constructor(
    message: string,
    readonly server: string,
    readonly outputTail: string,
    /** The process that was started, if one was; it has exited by the time this is thrown. */
    readonly pid?: number,
  ) {
    super(outputTail ? `${message}\n--- last output of ${server} ---\n${outputTail}` : message);
  }
}

const TAIL_LINES = 30;
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGCONT: a paused server only acts on the SIGTERM once it runs again. */
function terminate(child: ChildProcess): void {
  killGroup(child, 'SIGTERM');
  killGroup(child, 'SIGCONT');
}

// A crashing caller must not leave servers behind: the last chance is synchronous.
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/**
 * The reaper: a small process in a group of its own that learns each server's process group over a
 * pipe and, when the pipe closes because its starter died (kill -9 runs no exit handler), wakes every
 * group it still knows (a frozen server acts on nothing) and stops it. A group given with a folder (a
 * throwaway database) gets SIGINT, PostgreSQL's fast shutdown, and its folder is deleted once it is gone.
 */
const REAPER = `
process.on('SIGINT', () => {});
const groups = new Map();
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let at = pending.indexOf('\\n'); at !== -1; at = pending.indexOf('\\n')) {
    const line = pending.slice(0, at);
    pending = pending.slice(at + 1);
    const space = line.indexOf(' ');
    const group = Number(space === -1 ? line.slice(1) : line.slice(1, space));
    if (line[0] === '+') groups.set(group, space === -1 ? '' : line.slice(space + 1));
    else groups.delete(group);
  }
});
const signal = (name, folders) => {
  for (const [group, folder] of groups) {
    if (folders !== undefined && folders !== (folder !== '')) continue;
    try { process.kill(-group, name); } catch {}
  }
};
process.stdin.on('end', () => {
  signal('SIGCONT');
  signal('SIGTERM', false);
  signal('SIGINT', true);
  setTimeout(() => {
    signal('SIGCONT');
    signal('SIGKILL');
    setTimeout(() => {
      for (const folder of groups.values()) if (folder) require('node:fs').rmSync(folder, { recursive: true, force: true });
      process.exit(0);
    }, 200);
  }, 2000);
});
`;

let reaper: ChildProcess | undefined;

/** Tells the reaper (started on first use) that a server's group was started (+) or is gone (-). */
function toReaper(change: '+' | '-', pid: number, folder?: string): void {
  if (!reaper) {
    reaper = spawn(process.execPath, ['-e', REAPER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.unref();
    (reaper.stdin as NodeJS.WritableStream & { unref?: () => void }).unref?.();
    reaper.stdin?.on('error', () => {});
  }
  reaper.stdin?.write(folder ? `${change}${pid} ${folder}\n` : `${change}${pid}\n`);
}

/** For a process group started elsewhere (a throwaway database): the reaper stops it, and deletes `folder`, if this process dies first. */
export function tellReaper(pid: number, folder: string): void {
  toReaper('+', pid, folder);
}

export function forgetWithReaper(pid: number): void {
  toReaper('-', pid);
}

/** Process groups of every server started and not yet exited. */
export function liveServerPids(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

/** Stops every server still running (e.g. on Ctrl-C). */
export async function stopAllServers(graceMs = 5_000): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.pid === undefined) return resolve();
          // 'close', not 'exit': a server leaves the live set once its pipes are drained too.
          child.once('close', () => resolve());
          if (child.exitCode !== null || child.signalCode !== null) return;
          terminate(child);
          setTimeout(() => killGroup(child, 'SIGKILL'), graceMs).unref();
        }),
    ),
  );
}

/**
 * The server's environment: the caller's, PORT=0 and HOST=127.0.0.1, the declaration's "env" as
 * written (the server starts in its package folder, so a relative path there is relative to it),
 * then the options' env.
 */
function serverEnv(server: Pick<ServerPackage, 'env'>, options: LaunchOptions = {}): NodeJS.ProcessEnv {
  return { ...process.env, PORT: '0', HOST: '127.0.0.1', ...server.env, ...options.env };
}

/**
 * Starts a server package as a child process in its own process group and resolves once it has
 * printed its ready line. Rejects with the tail of its output if it exits or times out first.
 */
export function startServer(server: ServerPackage, options: LaunchOptions = {}): Promise<RunningServer> {
  const { readyTimeoutMs = 15_000, wrap = [] } = options;
  const [command, ...args] = [...wrap, ...server.start] as [string, ...string[]];
  const env = serverEnv(server, options);
  const declared = Object.entries(server.env ?? {}).map(([key, value]) => `${key}=${value} `);
  log('starting %s: %s%s in %s', server.name, declared.join(''), [command, ...args].join(' '), server.packageDir);
  const child = spawn(command, args, { cwd: server.packageDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  if (child.pid !== undefined) toReaper('+', child.pid);

  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const exited = new Promise<ExitStatus>((resolve) => {
    const done = (status: ExitStatus) => {
      live.delete(child);
      if (child.pid !== undefined) toReaper('-', child.pid);
      resolve(status);
    };
    // 'close' comes after 'exit' once the output pipes are drained, so the tail is complete.
    child.once('close', (code, signal) => done({ code, signal }));
    // A command that cannot be spawned emits 'error' and may never emit 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) done({ code: null, signal: null });
    });
  });

  return new Promise<RunningServer>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      // Settle only once the process is gone, so a caller never sees a failed server still running.
      void exited.then(() => reject(new ServerStartError(`${server.name}: ${message}`, server.name, tail.join('\n'), child.pid)));
    };
    const timer = setTimeout(() => fail(`not ready after ${readyTimeoutMs} ms (no {"event":"listening"} line on stdout)`), readyTimeoutMs);

    child.once('error', (error) => fail(`cannot run ${JSON.stringify(command)}: ${error.message}`));
    void exited.then(({ code, signal }) => fail(`exited before it was ready (code ${code}, signal ${signal})`));

    const onLine = (line: string) => {
      let parsed: Partial<ReadyLine>;
      try {
        parsed = JSON.parse(line) as Partial<ReadyLine>;
      } catch {
        return;
      }
      if (parsed.event !== 'listening' || typeof parsed.port !== 'number') return;
      settled = true;
      clearTimeout(timer);
      const ready = parsed as ReadyLine;
      const host = ready.host.includes(':') ? `[${ready.host}]` : ready.host;
      resolve({
        name: server.name,
        pid: child.pid as number,
        ready,
        url: `http://${host}:${ready.port}`,
        exited,
        outputTail: () => tail.join('\n'),
        pause: () => killGroup(child, 'SIGSTOP'),
        resume: () => killGroup(child, 'SIGCONT'),
        stop: (graceMs = 10_000) => {
          terminate(child);
          const force = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
          return exited.finally(() => clearTimeout(force));
        },
      });
    };
    // Both streams are always drained, so a chatty server never blocks on a full pipe.
    createInterface({ input: child.stdout as Readable }).on('line', (line) => {
      remember(line);
      if (!settled && line.startsWith('{')) onLine(line);
    });
    createInterface({ input: child.stderr as Readable }).on('line', remember);
  });
}

/** True while a process with this id exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until the process is gone (reaped or not); false if it still exists after the timeout. */
export async function waitForExit(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseAnswers } from './databaseActivity.js';
import { forgetWithReaper, tellReaper } from './launch.js';
import { freePort } from './ports.js';

/** What a machine without PostgreSQL's server binaries should run. */
export const POSTGRES_INSTALL = 'apt-get install postgresql';

/** Enough for every pool a run gives its servers (pools of up to 40, several processes), with room for the harness's own. */
const MAX_CONNECTIONS = 300;

/** A throwaway cluster: its URL, and stop() that ends it and deletes its files. */
export interface Postgres {
  url: string;
  port: number;
  pid: number;
  /** Ends the server (fast shutdown: clients are disconnected) and deletes its folder; idempotent. */
  stop(): Promise<void>;
  /** Whether the server is still running. */
  running(): boolean;
}

export class PostgresUnavailable extends Error {
  override name = 'PostgresUnavailable';
}

/** The folder with initdb and postgres: $POSTGRES_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export function postgresBinaries(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const has = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'));
  if (env.POSTGRES_BIN) return has(env.POSTGRES_BIN) ? env.POSTGRES_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => path.join(root, version, 'bin')).find(has);
}

/** initdb refuses root: as root the cluster is run by the postgres user, as anyone else by that user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new PostgresUnavailable(`PostgreSQL cannot run as root and there is no "postgres" user: ${POSTGRES_INSTALL} creates it`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts a PostgreSQL cluster of its own in a temporary folder, on a free loopback port, with no
 * password (trust) and no fsync: a database to wait in, not to keep. The reaper stops it and deletes
 * the folder if this process dies without stop().
 */
export async function startPostgres(options: { readyTimeoutMs?: number; maxConnections?: number } = {}): Promise<Postgres> {
  const { readyTimeoutMs = 30_000, maxConnections = MAX_CONNECTIONS } = options;
  const bin = postgresBinaries();
  if (!bin) throw new PostgresUnavailable(`PostgreSQL's server (initdb, postgres) is not on this machine: ${POSTGRES_INSTALL}`);
  const owner = clusterOwner();
  const folder = mkdtempSync(path.join(tmpdir(), 'loopbench-postgres-'));
  const data = path.join(folder, 'data');
  if (owner) chownSync(folder, owner.uid, owner.gid);
  try {
    execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...owner,
    });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new PostgresUnavailable(`initdb failed: ${stderr || (error as Error).message}`);
  }
  let port: number;
  try {
    port = await freePort();
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  const settings = [`port=${port}`, `unix_socket_directories=${folder}`, 'listen_addresses=127.0.0.1', 'fsync=off'];
  settings.push(`max_connections=${maxConnections}`, 'synchronous_commit=off', 'full_page_writes=off');
  const child = spawn(path.join(bin, 'postgres'), ['-D', data, ...settings.flatMap((setting) => ['-c', setting])], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...owner,
  });
  let log = '';
  // A postgres that cannot be spawned is an error on the child, and then a cluster that did not start.
  child.on('error', (error) => {
    log += `\n${error.message}`;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  });
  if (child.pid !== undefined) tellReaper(child.pid, folder);
  const exited = exitOf(child);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  // The group may be gone before its 'exit' is seen: a signal to it then is no error.
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {}
  };
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (running()) {
        // SIGINT is PostgreSQL's fast shutdown: it disconnects clients instead of waiting for them.
        signal('SIGINT');
        const force = setTimeout(() => signal('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
      }
      rmSync(folder, { recursive: true, force: true });
      if (child.pid !== undefined) forgetWithReaper(child.pid);
    })();
    return stopped;
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await databaseAnswers(url, 1_000))) {
    if (!running() || Date.now() > deadline) {
      await stop();
      throw new PostgresUnavailable(`PostgreSQL did not start on port ${port}: ${log.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, port, pid: child.pid as number, stop, running };
}

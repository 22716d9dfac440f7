import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { POSTGRES_INSTALL, postgresBinaries, waitForExit } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { SUITES } from '../catalogue/suites.js';
import { readResults } from '../results/results.js';
import { databaseUrlOption, withoutPassword } from './database.js';
import { findWorkspaceRoot } from './discover.js';
import { loopbench } from './loopbench.testing.js';
import { withDatabase } from './select.js';

/** What run says on stderr once its throwaway cluster answers. */
const THROWAWAY = /database: PostgreSQL (.+?), a throwaway cluster on 127\.0\.0\.1:(\d+) \(pid (\d+)\)/;

/** The folder a running postmaster keeps its cluster in (<folder>/data), from its command line. */
function clusterFolder(pid: number): string {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return path.dirname(argv[argv.indexOf('-D') + 1] as string);
}

/** The throwaway cluster a run announced: its postmaster's pid and folder. */
async function announced(said: (pattern: RegExp) => Promise<string>): Promise<{ pid: number; folder: string }> {
  const match = THROWAWAY.exec(await said(THROWAWAY));
  if (!match) throw new Error('the run announced no throwaway cluster');
  const pid = Number(match[3]);
  return { pid, folder: clusterFolder(pid) };
}

const outDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'loopbench-database-')), 'out');

/** A workspace of the real koa and a "flask" that declares a driver and exits at start-up: a run with it fails (exit 1). */
function failingWorkspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-database-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture', private: true, workspaces: ['packages/*'] }));
  mkdirSync(path.join(dir, 'packages', 'flask'), { recursive: true });
  symlinkSync(path.join(findWorkspaceRoot(), 'packages', 'server-koa'), path.join(dir, 'packages', 'koa'));
  const start = ['node', '-e', "console.error('cannot reach the database'); process.exit(3)"];
  const loopbench = { name: 'flask', model: 'blocking', analogue: 'a fixture that fails', start, database: { driver: 'none, it exits' } };
  writeFileSync(path.join(dir, 'packages', 'flask', 'package.json'), JSON.stringify({ name: '@fixture/flask', loopbench }));
  return dir;
}

describe('--database-url and the database scenarios where PostgreSQL cannot be had', { timeout: 60_000 }, () => {
  it('takes a postgres:// URL and shows it without its password', () => {
    expect(databaseUrlOption('postgres://bench:secret@127.0.0.1:5432/lab')).toBe('postgres://bench:secret@127.0.0.1:5432/lab');
    expect(withoutPassword('postgres://bench:secret@127.0.0.1:5432/lab')).toBe('postgres://bench:***@127.0.0.1:5432/lab');
    expect(() => databaseUrlOption('mysql://127.0.0.1/lab')).toThrow(/is not a PostgreSQL URL; give one like --database-url postgres:\/\//);
    // pg reads a password from the query too; and what is not a postgres URL is named by its scheme only.
    expect(withoutPassword('postgres://bench@127.0.0.1/lab?password=secret&sslpassword=key')).toBe(
      'postgres://bench@127.0.0.1/lab?password=***&sslpassword=***',
    );
    expect(() => databaseUrlOption('bench:secret@127.0.0.1:5432/lab')).toThrow(/^(?!.*secret).*is not a PostgreSQL URL/);
  });

  it('leaves the scenarios on /query out of a suite, with the install command, and refuses them when named or alone', () => {
    const unavailable = { reason: 'no PostgreSQL here', install: POSTGRES_INSTALL };
    const { scenarios, leftOut } = withDatabase(SUITES.articles, { named: false, unavailable });
    expect(scenarios.map((s) => s.id)).not.toContain('article-database');
    expect(scenarios).toHaveLength(SUITES.articles.length - 1);
    expect(leftOut).toEqual([
      `article-database: no PostgreSQL here; install with: ${POSTGRES_INSTALL}, or give --database-url ${'postgres://USER:PASSWORD@HOST:5432/DATABASE'}`,
    ]);
    expect(() => withDatabase(SUITES.database, { named: false, unavailable })).toThrow(
      /db-bound, pool-limited cannot run here: no PostgreSQL here; install with: apt-get install postgresql/,
    );
    expect(() => withDatabase(SUITES.articles, { named: true, unavailable })).toThrow(/article-database cannot run here/);
    expect(withDatabase(SUITES.database, { named: false, unavailable: undefined }).scenarios).toHaveLength(2);
  });

  it('without the binaries, lists them as unavailable and exits 2 with the install command', async () => {
    const nowhere = { POSTGRES_BIN: '/nonexistent/postgresql/bin' };
    const listed = await loopbench(['list'], nowhere).done;
    expect(listed.code, listed.output).toBe(0);
    expect(listed.stdout).toMatch(/db-bound \(closed-loop\): UNAVAILABLE[\s\S]*install with: apt-get install postgresql/);
    const json = JSON.parse((await loopbench(['list', '--json'], nowhere).done).stdout) as {
      scenarios: { id: string; available?: boolean }[];
    };
    expect(json.scenarios.find((s) => s.id === 'pool-limited')).toMatchObject({ available: false, install: POSTGRES_INSTALL });
    expect(json.scenarios.find((s) => s.id === 'hello')?.available).toBeUndefined();

    const out = outDir();
    const refused = await loopbench(['run', '--suite', 'database', '--no-build', '--out', out], nowhere).done;
    expect(refused.code, refused.output).toBe(2);
    expect(refused.stderr).toMatch(
      /error: db-bound, pool-limited cannot run here: .*install with: apt-get install postgresql, or give --database-url/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 naming a --database-url that does not answer, and what to type instead, before it writes anything', async () => {
    const out = outDir();
    const url = 'postgres://bench:secret@127.0.0.1:1/lab';
    const { code, stderr } = await loopbench(['run', '--scenario', 'db-bound', '--database-url', url, '--no-build', '--out', out]).done;
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(
      /error: the database at postgres:\/\/bench:\*\*\*@127\.0\.0\.1:1\/lab does not answer SELECT 1 \(.*\): start it, or give the URL of one that runs \(--database-url postgres:\/\/USER:PASSWORD@HOST:5432\/DATABASE\), or leave --database-url out/,
    );
    expect(stderr).not.toContain('secret');
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!postgresBinaries() && process.env.LOOPBENCH_REQUIRE_SERVERS !== '1')(
  "the run's own database (skipped where PostgreSQL's server is not installed, unless LOOPBENCH_REQUIRE_SERVERS=1)",
  { timeout: 60_000 },
  () => {
    it('starts one, passes DATABASE_URL and DB_POOL, marks a run invalid when it stops mid-run, keeps the run before, and deletes it', async () => {
      const out = outDir();
      const run = loopbench([
        'run',
        '--scenario',
        'pool-limited',
        '--servers',
        'koa',
        '--quick',
        '--repeats',
        '3',
        '--no-build',
        '--out',
        out,
      ]);
      const cluster = await announced(run.said);
      expect(existsSync(path.join(cluster.folder, 'data'))).toBe(true);
      // The database stops (kill -9 of its whole group) while koa's second run is under way.
      await run.said(/koa: run 2 of 3/);
      process.kill(-cluster.pid, 'SIGKILL');
      const { code, output, stderr } = await run.done;
      expect(code, output).toBe(0);
      expect(stderr).toMatch(
        /warning: the database \(a throwaway cluster on 127\.0\.0\.1:\d+ \(pid \d+\)\) stopped answering during koa's run 2 of pool-limited/,
      );
      expect(await waitForExit(cluster.pid)).toBe(true);
      expect(existsSync(cluster.folder)).toBe(false);

      const results = readResults(path.join(out, 'results.json'));
      expect(results.environment.database).toMatchObject({ source: 'embedded', serverVersion: expect.stringMatching(/^\d+/) });
      expect(results.environment.database?.url).toBeUndefined();
      const [scenario] = results.scenarios;
      expect(scenario?.valid).toBe(false);
      expect(scenario?.parameters).toMatchObject({ target: '/query?ms=20', connections: 20, databasePool: 5 });
      const koa = scenario?.results.find((r) => r.server === 'koa');
      const [first, second, third] = koa?.runs ?? [];
      // Measured before the stop: DB_POOL=5 reached koa's pool, and DATABASE_URL its queries.
      expect(first?.valid, first?.problems.join('; ')).toBe(true);
      expect(first?.values.databaseQueriesMax).toBe(5);
      expect(first?.values.throughputRps).toBeGreaterThan(150);
      expect(first?.values.throughputRps).toBeLessThan(260);
      expect(koa?.metrics.throughputRps?.runs).toHaveLength(1);
      expect(second?.valid).toBe(false);
      expect(second?.problems.join('; ')).toMatch(/non-2xx answers \(\d+ of them 503 Service Unavailable\)/);
      expect(second?.problems.join('; ')).toMatch(/stopped answering during this run: \/query answers 503 without it/);
      expect(third?.problems).toEqual([expect.stringMatching(/^not run: the database .* had stopped answering during an earlier run$/)]);
      expect(await Promise.all((koa?.pids ?? []).map((pid) => waitForExit(pid)))).not.toContain(false);
    });

    it('stops and deletes it when the run fails', async () => {
      const out = outDir();
      const run = loopbench([
        'run',
        '--workspace',
        failingWorkspace(),
        '--servers',
        'koa,flask',
        '--scenario',
        'db-bound',
        '--quick',
        '--repeats',
        '1',
        '--no-build',
        '--out',
        out,
      ]);
      const cluster = await announced(run.said);
      const { code, output } = await run.done;
      expect(code, output).toBe(1);
      expect(output).toMatch(/flask: exited before it was ready \(code 3, signal null\)/);
      expect(await waitForExit(cluster.pid)).toBe(true);
      expect(existsSync(cluster.folder)).toBe(false);
      const koa = readResults(path.join(out, 'results.json')).scenarios[0]?.results.find((r) => r.server === 'koa');
      expect(koa?.valid).toBe(true);
    });

    it('stops and deletes it on Ctrl-C', async () => {
      const out = outDir();
      const run = loopbench(['run', '--scenario', 'db-bound', '--servers', 'koa', '--quick', '--no-build', '--out', out]);
      const cluster = await announced(run.said);
      await run.said(/koa: run 1 of 2/);
      run.child.kill('SIGINT');
      const { code, output } = await run.done;
      expect(code, output).toBe(130);
      expect(await waitForExit(cluster.pid)).toBe(true);
      expect(existsSync(cluster.folder)).toBe(false);
      expect(readResults(path.join(out, 'results.json')).complete).toBe(false);
    });
  },
);

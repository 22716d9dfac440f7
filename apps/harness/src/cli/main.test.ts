import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerPackage } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { discoverServers, findWorkspaceRoot } from '../run/discover.js';
import { UsageError } from '../run/errors.js';
import { DEFAULT_OPTIONS, QUICK_OPTIONS, resolveOptions } from '../run/options.js';
import { selectScenarios, selectServers } from '../run/select.js';
import { cli } from './main.testing.js';

describe('usage errors exit 2 and say what to type', () => {
  it.each([
    [['run', '--bogus'], /unknown option '--bogus'[\s\S]*loopbench run --help/],
    [['run', '--repeats', '0'], /--repeats <n>' argument '0' is invalid\. give a whole number from 1 to 100/],
    [['run', '--repeats', '2.5'], /give a whole number from 1 to 100/],
    [['run', '--duration', 'abc'], /give seconds from 0\.2 to 600/],
    [['run', '--connections', '0'], /give a whole number from 1 to 1000/],
    [['run', '--workers', '65'], /give a whole number from 1 to 64/],
    [['run', '--servers', 'kao'], /unknown server "kao"; give --servers [a-z-]+(,[a-z-]+)+ or --servers all/],
    [['run', '--scenario', 'nope'], /unknown scenario "nope"; give one of head-of-line, io-bound/],
    [['run', '--servers', ','], /--servers names nothing; give --servers [a-z-]+,/],
    [['run', '--servers', ''], /--servers names nothing/],
    [['verify', '--servers', ' , '], /--servers names nothing/],
    [['run', '--servers', 'koa,koa'], /--servers names "koa" twice; give each once/],
    [['run', '--scenario', ','], /--scenario names nothing; give --scenario head-of-line,/],
    [['run', '--scenario', 'hello', '--scenario', 'hello'], /--scenario names "hello" twice/],
    [['compare', 'only-one.json'], /missing required argument 'after'/],
    [['compare', '/nonexistent/a.json', '/nonexistent/b.json'], /cannot read it as JSON/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(err).toMatch(message);
    expect(code).toBe(2);
  });

  it('prints help and exits 2 when no command is given', async () => {
    const { code, out } = await cli();
    expect(code).toBe(2);
    expect(out).toMatch(/Usage: loopbench/);
  });

  it('prints its version, and refuses a value out of range with an example inside it', async () => {
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^\d+\.\d+\.\d+\n$/);
    const { code, err } = await cli('run', '--ready-timeout', '0.5');
    expect(code).toBe(2);
    expect(err).toMatch(/give seconds from 1 to 600, e\.g\. 3 or 1\.5\./);
  });

  it('refuses to compare runs made with different options (#27: exit 2, not a regression or a pass)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../results/fixtures/results-v1.json', import.meta.url)), 'utf8'));
    const before = path.join(dir, 'quick.json');
    writeFileSync(before, JSON.stringify({ ...fixture, options: { ...fixture.options, quick: true, durationS: 0.35 } }));
    const after = path.join(dir, 'full.json');
    writeFileSync(after, JSON.stringify(fixture));
    const { code, err } = await cli('compare', before, after);
    expect(err).toContain('  head-of-line · express-blocking, koa: run with other settings: quick true → false\n');
    expect(code).toBe(2);
  });

  it('exits 0 on --help of every command', async () => {
    for (const command of ['list', 'verify', 'run', 'report', 'compare', 'probe', 'new']) {
      const { code, out } = await cli(command, '--help');
      expect(code).toBe(0);
      expect(out).toContain(`Usage: loopbench ${command}`);
    }
  });

  it('run --help names every file a run writes, report.html included (#27)', async () => {
    const text = (await cli('run', '--help')).out.replace(/\s+/g, ' ');
    expect(text).toContain('write results.json, summary.md and report.html');
    expect(text).toContain('--out <dir> where to write results.json, summary.md and report.html');
  });

  it('refuses an --out that cannot be a folder at once, before any server starts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    const fixture = fileURLToPath(new URL('../results/fixtures/results-v1.json', import.meta.url));
    for (const argv of [
      ['run', '--servers', 'koa', '--scenario', 'hello', '--no-build', '--out', '/proc/lb'],
      ['report', fixture, '--out', '/proc/lb'],
    ]) {
      const { code, err } = await cli(...argv);
      expect(err).toMatch(/--out \/proc\/lb: cannot create \/proc\/lb \(ENOENT\); give a folder you can write to/);
      expect(code).toBe(2);
    }
    for (const out of [file, path.join(file, 'below')]) {
      const { code, err } = await cli('run', '--servers', 'koa', '--scenario', 'hello', '--no-build', '--out', out);
      expect(err).toMatch(/a-file is a file, not a folder/);
      expect(code).toBe(2);
    }
  });

  it('refuses an empty --out, which would write into the current folder (#27), and says what to type', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    const fixture = fileURLToPath(new URL('../results/fixtures/results-v1.json', import.meta.url));
    const bin = fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url));
    for (const [argv, instead] of [
      [
        ['run', '--servers', 'koa', '--scenario', 'hello', '--quick', '--repeats', '1', '--no-build', '--out', ''],
        'leave it out for results/<timestamp>/',
      ],
      [
        ['run', '--servers', 'koa', '--scenario', 'hello', '--quick', '--repeats', '1', '--no-build', '--out= '],
        'leave it out for results/<timestamp>/',
      ],
      [['report', fixture, '--out', ''], 'leave it out to write beside the results file'],
    ] as const) {
      // A child in a folder of its own: before the fix it measured and wrote there.
      const child = spawnSync(process.execPath, [bin, ...argv], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(child.stderr).toContain(
        `error: --out names no folder: it would write into the current one; give a folder, e.g. --out results/mine, or ${instead}`,
      );
      expect(child.status).toBe(2);
      expect(readdirSync(cwd)).toEqual([]);
    }
  });

  it('refuses a JSON file that is not a results file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    const file = path.join(dir, 'other.json');
    writeFileSync(file, '{"hello": 1}');
    const { code, err } = await cli('compare', file, file);
    expect(code).toBe(2);
    expect(err).toMatch(/not a loopbench results file/);
  });

  it("takes a run's folder where it takes its results.json", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    copyFileSync(fileURLToPath(new URL('../results/fixtures/results-v1.json', import.meta.url)), path.join(dir, 'results.json'));
    const report = await cli('report', dir);
    expect(report.err).not.toMatch(/error/);
    expect(report.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['report.html', 'results.json', 'summary.md']);
    const compare = await cli('compare', dir, path.join(dir, 'results.json'));
    expect(compare.err).not.toMatch(/error/);
    expect(compare.code).toBe(0);
    const empty = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    const missing = await cli('report', empty);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${empty} holds no results.json`);
  });

  it('refuses a results file with a corrupted histogram, naming the file and where in it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-cli-'));
    const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../results/fixtures/results-v1.json', import.meta.url)), 'utf8'));
    fixture.scenarios[1].results[0].runs[2].latencyHistogram = 'SElTVEZBQUFBR04=';
    const file = path.join(dir, 'results.json');
    writeFileSync(file, JSON.stringify(fixture));
    for (const argv of [
      ['report', file],
      ['compare', file, file],
    ]) {
      const { code, err } = await cli(...argv);
      expect(err).toMatch(`error: ${file}: scenarios[1].results[0].runs[2].latencyHistogram: not a compressed HDR histogram (`);
      expect(code).toBe(2);
    }
    expect(readdirSync(dir)).toEqual(['results.json']);
  });
});

describe('bin/loopbench.js before a build', () => {
  it('says in one line what to run instead of a stack trace', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-unbuilt-'));
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url)), path.join(dir, 'bin', 'loopbench.js'));
    const result = spawnSync(process.execPath, [path.join(dir, 'bin', 'loopbench.js'), 'list'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'loopbench is not built yet: run `npm run build` at the repository root first (npm run bench builds it too)\n',
    );
  });
});

describe('list', () => {
  it('finds both servers in the workspace, with model and analogue', async () => {
    const { code, out } = await cli('list', '--json');
    expect(code).toBe(0);
    const listed = JSON.parse(out) as { servers: { name: string; model: string; analogue: string }[]; scenarios: { id: string }[] };
    expect(listed.servers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'express-blocking', model: 'blocking', analogue: expect.stringContaining('Flask') }),
        expect.objectContaining({ name: 'koa', model: 'non-blocking', analogue: expect.stringContaining('FastAPI') }),
      ]),
    );
    expect(listed.scenarios.map((s) => s.id)).toEqual([
      'head-of-line',
      'io-bound',
      'hello',
      'cpu-bound',
      'workers-io-bound',
      'workers-cpu-bound',
      'mixed',
      'mixed-share',
      'article-dummy',
      'article-utilisation',
      'article-hello',
      'article-cpu',
      'article-workers-cpu',
      'article-database',
      'db-bound',
      'pool-limited',
    ]);
    // Each server says how its /query waits in the database.
    expect(listed.servers.find((s) => s.name === 'koa')).toMatchObject({
      database: { driver: expect.stringContaining('pg Pool'), pool: 10 },
    });
  });
});

describe('list on a terminal', () => {
  it('fits 80 columns', async () => {
    const { code, out } = await cli('list');
    expect(code).toBe(0);
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(out).toMatch(/^express-blocking \(blocking\)\n {4}stands for Flask/m);
  });
});

describe('selection and options', () => {
  const discovery = discoverServers(findWorkspaceRoot());
  const { servers } = discovery;

  it('defaults to the articles’ pair, and "all" takes every server', () => {
    expect(selectServers(discovery, undefined).map((s) => s.name)).toEqual(['express-blocking', 'koa']);
    expect(selectServers(discovery, ['all'])).toHaveLength(servers.length);
    expect(selectServers(discovery, ['koa']).map((s) => s.name)).toEqual(['koa']);
  });

  it('leaves an unavailable server out of "all", and names its install command when it is asked for', () => {
    const [first] = servers as [ServerPackage];
    const ghost = {
      server: { ...first, name: 'ghost' },
      reason: '/usr/bin/python3 cannot import flask',
      install: 'apt-get install python3-flask',
    };
    const withGhost = { servers, unavailable: [ghost] };
    expect(selectServers(withGhost, ['all']).map((s) => s.name)).not.toContain('ghost');
    expect(() => selectServers(withGhost, ['koa', 'ghost'])).toThrow(UsageError);
    expect(() => selectServers(withGhost, ['ghost'])).toThrow(
      'ghost cannot run here: /usr/bin/python3 cannot import flask; install with: apt-get install python3-flask',
    );
  });

  it('expands "workers" and keeps the suite order', () => {
    expect(selectScenarios(['workers', 'head-of-line']).map((s) => s.id)).toEqual([
      'head-of-line',
      'workers-io-bound',
      'workers-cpu-bound',
    ]);
    expect(selectScenarios(undefined)).toHaveLength(8);
  });

  it('layers defaults, --quick and explicit flags', () => {
    expect(resolveOptions({ seed: 7 })).toEqual({ ...DEFAULT_OPTIONS, seed: 7 });
    // No seed given: a fresh one each run, recorded with the results.
    const seeds = new Set(Array.from({ length: 5 }, () => resolveOptions({}).seed));
    expect(seeds.size).toBeGreaterThan(1);
    expect(resolveOptions({ generators: 2 }).generators).toBe(2);
    expect(resolveOptions({ quick: true })).toMatchObject({ ...QUICK_OPTIONS, quick: true });
    expect(resolveOptions({ quick: true, repeats: 5 })).toMatchObject({ repeats: 5, durationS: QUICK_OPTIONS.durationS });
  });
});

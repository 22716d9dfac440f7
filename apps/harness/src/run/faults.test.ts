import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForExit } from '@loopbench/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../results/results.js';
import { buildServers, discoverServers, findWorkspaceRoot } from './discover.js';
import { loopbench } from './loopbench.testing.js';

const root = findWorkspaceRoot();
const koaDir = path.join(root, 'packages', 'server-koa');

/** A throwaway workspace: the real koa server beside fixture servers that fail in known ways. */
function workspace(fixtures: Record<string, string[] | { file: string; source: string }>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-faults-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture', private: true, workspaces: ['packages/*'] }));
  mkdirSync(path.join(dir, 'packages'));
  symlinkSync(koaDir, path.join(dir, 'packages', 'koa'));
  for (const [name, start] of Object.entries(fixtures)) {
    const pkg = path.join(dir, 'packages', name);
    mkdirSync(pkg);
    let command = start;
    if (!Array.isArray(start)) {
      writeFileSync(path.join(pkg, start.file), start.source);
      command = ['node', start.file];
    }
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({
        name: `@fixture/${name}`,
        loopbench: { name, model: 'non-blocking', analogue: 'a fixture that fails', start: command },
      }),
    );
  }
  return dir;
}

/** koa's app, made to exit after a number of requests: passes verify, then dies under load. */
const crashAfter = (requests: number) => `
import { awaiting, pooledDatabase, serve } from ${JSON.stringify(path.join(root, 'packages/contract/dist/index.js'))};
import { createApp } from ${JSON.stringify(path.join(koaDir, 'dist/app.js'))};
let seen = 0;
serve({ name: 'crashy', model: 'non-blocking', createListener: (stats, database) => {
  const app = createApp(stats, awaiting(pooledDatabase(database))).callback();
  return (req, res) => {
    if (++seen > ${requests}) { console.error('crashy: giving up after ${requests} requests'); process.exit(7); }
    app(req, res);
  };
} });
`;

describe('harness faults', { timeout: 120_000 }, () => {
  beforeAll(() => {
    buildServers(root, discoverServers(root).servers);
  });

  it('reports servers that exit at start-up, cannot be run or never get ready, and still runs the others', async () => {
    const dir = workspace({
      exits: ['node', '-e', "console.error('cannot open /etc/fixture.conf'); process.exit(3)"],
      missing: ['loopbench-fixture-no-such-command'],
      silent: ['node', '-e', "console.log('starting, slowly'); setInterval(() => {}, 1000)"],
    });
    const out = path.join(dir, 'results');
    const { code, output } = await loopbench([
      'run',
      '--workspace',
      dir,
      '--servers',
      'koa,exits,missing,silent',
      '--scenario',
      'head-of-line,hello',
      '--quick',
      '--ready-timeout',
      '2',
      '--out',
      out,
      '--no-build',
    ]).done;
    expect(code, output).toBe(1);
    expect(output).toMatch(/exits: exited before it was ready \(code 3, signal null\)[\s\S]*cannot open \/etc\/fixture\.conf/);
    expect(output).toMatch(/missing: cannot run "loopbench-fixture-no-such-command"/);
    expect(output).toMatch(/silent: not ready after 2000 ms[\s\S]*starting, slowly/);

    const results = readResults(path.join(out, 'results.json'));
    expect(results.complete).toBe(true);
    expect(results.scenarios.map((s) => s.id)).toEqual(['head-of-line', 'hello']);
    for (const scenario of results.scenarios) {
      const byName = Object.fromEntries(scenario.results.map((r) => [r.server, r]));
      expect(byName.koa?.valid).toBe(true);
      expect(Object.keys(byName.koa?.metrics ?? {})).not.toHaveLength(0);
      for (const broken of ['exits', 'missing', 'silent']) {
        expect(byName[broken]?.valid).toBe(false);
        expect(byName[broken]?.problems.join('\n')).toContain(`${broken}: `);
      }
    }
    const pids = results.scenarios.flatMap((s) => s.results.flatMap((r) => r.pids));
    expect(pids.length).toBeGreaterThanOrEqual(6);
    expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).not.toContain(false);
  });

  it('marks the run of a server that crashes mid-run as failed and keeps every other result', async () => {
    const dir = workspace({ crashy: { file: 'crashy.mjs', source: crashAfter(60) } });
    const out = path.join(dir, 'results');
    const started = performance.now();
    const { code, output } = await loopbench([
      'run',
      '--workspace',
      dir,
      '--servers',
      'koa,crashy',
      '--scenario',
      'io-bound,hello',
      '--quick',
      '--out',
      out,
      '--no-build',
    ]).done;
    expect(code, output).toBe(1);
    // The crash ends the run's load at once: its unanswered requests do not wait out their 30 s timeout.
    expect(performance.now() - started).toBeLessThan(20_000);
    const results = readResults(path.join(out, 'results.json'));
    expect(results.scenarios.map((s) => s.id)).toEqual(['io-bound', 'hello']);
    for (const scenario of results.scenarios) {
      const koa = scenario.results.find((r) => r.server === 'koa');
      const crashy = scenario.results.find((r) => r.server === 'crashy');
      expect(koa?.valid).toBe(true);
      expect(koa?.runs).toHaveLength(2);
      expect(crashy?.valid).toBe(false);
      expect(crashy?.runs[0]?.valid).toBe(false);
      expect(crashy?.problems.join('\n')).toMatch(/crashy exited during the run[\s\S]*giving up after 60 requests/);
    }
    const pids = results.scenarios.flatMap((s) => s.results.flatMap((r) => r.pids));
    expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).not.toContain(false);
  });

  it("blames no server for the harness's own SIGTERM when Ctrl-C comes while they start, and claims nothing of the scenario", async () => {
    const dir = workspace({ slow: ['node', '-e', "console.log('starting, slowly'); setInterval(() => {}, 1000)"] });
    const out = path.join(dir, 'results');
    const run = loopbench([
      'run',
      '--workspace',
      dir,
      '--servers',
      'koa,slow',
      '--scenario',
      'io-bound',
      '--quick',
      '--ready-timeout',
      '60',
      '--out',
      out,
      '--no-build',
    ]);
    // slow never gets ready: the signal comes while it starts, and koa starts or is checked beside it.
    const stderr = await run.said(/starting slow/);
    expect(stderr).toMatch(/starting slow/);
    run.child.kill('SIGINT');
    const { code, output } = await run.done;
    expect(code, output).toBe(130);
    expect(output).not.toMatch(/SIGTERM\)|does not follow the contract|exited before it was ready/);
    const results = readResults(path.join(out, 'results.json'));
    expect(results.scenarios.map((s) => s.interrupted)).toEqual([true]);
    const servers = results.scenarios.flatMap((s) => s.results);
    expect(servers.map((r) => [r.server, r.failed, r.problems])).toEqual([
      ['koa', false, []],
      ['slow', false, []],
    ]);
    const summary = readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).not.toContain('Every number agrees with theory');
    expect(summary).toContain('Interrupted');
    const pids = servers.flatMap((r) => r.pids);
    expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).not.toContain(false);
  });

  it('refuses a non-loopback host unless told otherwise', async () => {
    const { code, output } = await loopbench(['run', '--host', '10.1.2.3', '--no-build']).done;
    expect(code).toBe(2);
    expect(output).toMatch(/--host 10\.1\.2\.3 is not a loopback address; .* unless you add --allow-non-loopback/);
  });
});

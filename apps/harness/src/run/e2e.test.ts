import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitForExit } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../catalogue/scenarios.js';
import { browserTitle, haveBrowser, launchBrowser, openReport, paintedCanvases, requireBrowser } from '../render/browser.testing.js';
import { schemaProblems } from '../results/ajv.testing.js';
import { readResults } from '../results/results.js';
import { type LoopbenchExit, loopbench } from './loopbench.testing.js';

/** Generator processes whose parent is `parent` (Linux: /proc), alive now. */
function liveGenerators(parent: number | undefined): number[] {
  if (parent === undefined || !existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent && cmdline.includes('generatorMain');
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** One `run --quick` of the default suite, shared by the tests that read what it wrote. */
let quickRun: Promise<LoopbenchExit & { out: string }> | undefined;
function defaultQuickRun() {
  quickRun ??= (async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'loopbench-e2e-'));
    return { out, ...(await loopbench(['run', '--quick', '--out', out]).done) };
  })();
  return quickRun;
}

describe('loopbench run --quick', { timeout: 120_000 }, () => {
  it('measures head-of-line blocking and I/O throughput, writes its files and leaves no server running', async () => {
    const { out, code, stdout, stderr } = await defaultQuickRun();
    expect(code, stderr).toBe(0);
    expect(stdout.trim().split('\n').at(-1)).toBe(out);

    const results = readResults(path.join(out, 'results.json'));
    // ajv, independent of the zod schema it was made from, accepts the file against results.schema.json.
    expect(schemaProblems(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')))).toEqual([]);
    expect(results.complete).toBe(true);
    expect(results.scenarios.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
    const metric = (scenario: string, server: string, name: string) =>
      results.scenarios.find((s) => s.id === scenario)?.results.find((r) => r.server === server)?.metrics[name as 'throughputRps']
        ?.median ?? Number.NaN;

    expect(metric('head-of-line', 'express-blocking', 'blockingIndex')).toBeGreaterThan(0.8);
    expect(metric('head-of-line', 'koa', 'blockingIndex')).toBeLessThan(0.1);
    expect(metric('io-bound', 'koa', 'throughputRps')).toBeGreaterThan(5 * metric('io-bound', 'express-blocking', 'throughputRps'));
    expect(metric('io-bound', 'express-blocking', 'maxInFlight')).toBe(1);
    // A quick window is shorter than express-blocking's cycle (10 × 50 ms): its latency is from too
    // few answers, so it is marked so rather than quoted (and checked against theory as a ✗).
    const ioBound = results.scenarios.find((s) => s.id === 'io-bound');
    for (const r of ioBound?.results ?? []) {
      const quoted = r.theory.filter((t) => t.metric.startsWith('latency'));
      for (const check of quoted) expect(check.agrees, `${r.server} ${check.metric}`).toBe(true);
      for (const run of r.runs) if (run.tooFewSamples) expect(run.values.latencyMeanMs).toBeUndefined();
    }
    expect(metric('mixed', 'express-blocking', 'fastLatencyP99Ms')).toBeGreaterThan(20 * metric('mixed', 'koa', 'fastLatencyP99Ms'));
    expect(results.environment).toMatchObject({
      node: process.version,
      frameworks: { express: expect.any(String), koa: expect.any(String) },
    });
    // The default suite queries no database, so the run started none.
    expect(results.environment.database).toBeUndefined();
    expect(stderr).not.toContain('database:');

    // Servers in a seeded random order each round, the seed and the orders recorded.
    expect(Number.isInteger(results.options.seed)).toBe(true);
    for (const s of results.scenarios) {
      for (const round of s.order ?? []) expect([...round].sort()).toEqual(['express-blocking', 'koa']);
      expect(s.order?.length).toBeGreaterThanOrEqual(results.options.repeats);
    }
    // Load came from a generator process of its own, which recorded its health.
    const loadRuns = results.scenarios.filter((s) => s.kind === 'closed-loop').flatMap((s) => s.results.flatMap((r) => r.runs));
    for (const run of loadRuns) expect(run.generators?.[0]?.cpuUtilization).toBeGreaterThan(0);

    const summary = readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('### head-of-line');
    expect(summary).toContain('**Verdict:**');

    const pids = results.scenarios.flatMap((s) => s.results.flatMap((r) => r.pids));
    expect(pids.length).toBeGreaterThanOrEqual(results.scenarios.length * 2);
    expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).not.toContain(false);
    // The generator processes, kept from run to run, are gone too.
    const generatorPids = new Set(loadRuns.flatMap((run) => run.generators?.map((g) => g.pid) ?? []));
    expect(generatorPids.size).toBeGreaterThan(0);
    expect(generatorPids.has(process.pid)).toBe(false);
    expect(await Promise.all([...generatorPids].map((pid) => waitForExit(pid)))).not.toContain(false);
  });

  it.skipIf(!haveBrowser && !requireBrowser)(browserTitle('its report.html renders every chart offline, without errors'), async () => {
    expect(haveBrowser, 'Chromium is required here but missing at /usr/bin/chromium').toBe(true);
    const { out, code, stderr } = await defaultQuickRun();
    expect(code, stderr).toBe(0);
    const report = path.join(out, 'report.html');
    const browser = await launchBrowser();
    try {
      const { page, requests, errors } = await openReport(browser, report);
      const charts = (await page.evaluate('window.loopbenchCharts')) as { id: string; datasets: { label: string; points: number }[] }[];
      // A load scenario gets a latency spectrum when some server had a valid run; invalid runs are never drawn.
      const results = readResults(path.join(out, 'results.json'));
      const spectra = results.scenarios
        .filter((s) => s.kind !== 'head-of-line' && s.results.some((r) => r.runs.some((run) => run.valid)))
        .map((s) => `chart-spectrum-${s.id}`);
      expect(spectra).toContain('chart-spectrum-io-bound');
      // io-bound and mixed record their first run's timeline: requests split into waiting and served, and /stats readings.
      const timelines = ['io-bound', 'mixed'].flatMap((id) => [`chart-timeline-${id}`, `chart-loop-timeline-${id}`]);
      expect(charts.map((c) => c.id).sort()).toEqual(
        ['chart-head-of-line', 'chart-throughput', 'chart-utilisation', ...spectra, ...timelines].sort(),
      );
      const kinds = (await page.evaluate(
        `[...document.querySelectorAll('figure[data-chart]')].map((f) => f.dataset.chart + ' ' + f.querySelector('canvas').id)`,
      )) as string[];
      for (const id of ['io-bound', 'mixed']) {
        expect(kinds).toContain(`timeline chart-timeline-${id}`);
        expect(kinds).toContain(`loop-timeline chart-loop-timeline-${id}`);
      }
      expect(kinds).toHaveLength(charts.length);
      const problems = JSON.stringify(results.scenarios.flatMap((s) => s.results.flatMap((r) => r.problems)));
      for (const chart of charts) {
        expect(chart.datasets.length, `${chart.id}; run problems: ${problems}`).toBeGreaterThanOrEqual(
          chart.id.startsWith('chart-spectrum') ? 1 : 2,
        );
        for (const dataset of chart.datasets) {
          if (dataset.label !== 'theory') expect(dataset.points, `${chart.id}: ${dataset.label}`).toBeGreaterThan(0);
        }
      }
      for (const canvas of await paintedCanvases(page)) {
        expect(canvas.width * canvas.height, canvas.id).toBeGreaterThan(10_000);
        expect(canvas.inked, canvas.id).toBeGreaterThan(1_000);
      }
      expect(await page.locator('section').count()).toBe(results.scenarios.length);
      expect(requests).toEqual([pathToFileURL(report).href]);
      expect(errors).toEqual([]);

      const screenshot = process.env.LOOPBENCH_SCREENSHOT ?? path.join(out, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });

  const canPin = process.platform === 'linux' && os.cpus().length >= 2 && existsSync('/usr/bin/taskset');
  it.skipIf(!canPin)(
    canPin ? 'with --pin runs servers and generator on separate cores' : 'skipped: --pin needs Linux, 2 cores and taskset',
    async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'loopbench-e2e-'));
      const { code, stderr } = await loopbench(['run', '--pin', '--quick', '--scenario', 'head-of-line', '--out', out, '--no-build']).done;
      expect(code, stderr).toBe(0);
      const results = readResults(path.join(out, 'results.json'));
      expect(results.environment.pinned).toBe(true);
      expect(results.scenarios[0]?.valid).toBe(true);
    },
  );

  it('marks both of two overlapping runs: the second warns at its start, the first at its end, and each records the other (#27)', async () => {
    const [firstOut, secondOut] = [mkdtempSync(path.join(tmpdir(), 'loopbench-e2e-')), mkdtempSync(path.join(tmpdir(), 'loopbench-e2e-'))];
    const first = loopbench([
      'run',
      '--scenario',
      'io-bound',
      '--servers',
      'koa',
      '--repeats',
      '1',
      '--duration',
      '3',
      '--out',
      firstOut,
      '--no-build',
    ]);
    const stderr = await first.said(/run 1 of 1/);
    expect(stderr).toMatch(/run 1 of 1/);
    const second = loopbench(['run', '--quick', '--scenario', 'head-of-line', '--servers', 'koa', '--out', secondOut, '--no-build']);
    const [firstExit, secondExit] = await Promise.all([first.done, second.done]);
    expect(firstExit.code, firstExit.stderr).toBe(0);
    expect(secondExit.code, secondExit.stderr).toBe(0);
    expect(secondExit.stderr).toContain(`warning: another loopbench run (pid ${first.child.pid}) is measuring on this machine`);
    expect(firstExit.stderr).toContain(`warning: another loopbench run (pid ${second.child.pid}) measured on this machine during this run`);
    expect(readResults(path.join(firstOut, 'results.json')).environment.otherRuns).toContain(second.child.pid);
    expect(readResults(path.join(secondOut, 'results.json')).environment.otherRuns).toContain(first.child.pid);
    expect(readFileSync(path.join(firstOut, 'summary.md'), 'utf8')).toContain(
      `other loopbench runs measuring at the same time (pid ${second.child.pid}`,
    );
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s stops every server, keeps the results so far and exits %d', async (signal, exitCode) => {
    const out = mkdtempSync(path.join(tmpdir(), 'loopbench-e2e-'));
    const run = loopbench(['run', '--scenario', 'io-bound', '--repeats', '1', '--duration', '30', '--out', out, '--no-build']);
    const stderr = await run.said(/run 1 of 1/);
    expect(stderr).toMatch(/run 1 of 1/);
    let generators: number[] = [];
    for (let i = 0; i < 100 && generators.length === 0; i++) {
      generators = liveGenerators(run.child.pid);
      if (generators.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(generators.length).toBeGreaterThan(0);
    run.child.kill(signal);
    const { code } = await run.done;
    expect(code).toBe(exitCode);
    expect(existsSync(path.join(out, 'results.json'))).toBe(true);
    const results = readResults(path.join(out, 'results.json'));
    expect(results.complete).toBe(false);
    // Interrupted, not failed: the harness's own stop is blamed on no server.
    expect(results.scenarios.map((s) => s.interrupted)).toEqual([true]);
    const serverResults = results.scenarios.flatMap((s) => s.results);
    expect(serverResults.map((r) => r.failed)).toEqual([false, false]);
    expect(JSON.stringify(serverResults.map((r) => r.problems))).not.toMatch(/exited during the run|connection errors/);
    const pids = results.scenarios.flatMap((s) => s.results.flatMap((r) => r.pids));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).not.toContain(false);
    // The generator sending the load when the signal came has gone with the harness.
    expect(await Promise.all(generators.map((pid) => waitForExit(pid)))).not.toContain(false);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readResults } from '../results/results.js';
import { discoverServers, findWorkspaceRoot, unavailableLines } from '../run/discover.js';

const CHROMIUM = '/usr/bin/chromium';
const bin = fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url));
const haveBrowser = existsSync(CHROMIUM);
// CI installs Chromium and sets this, so a missing browser fails there instead of skipping.
const required = process.env.LOOPBENCH_REQUIRE_BROWSER === '1';
const title =
  haveBrowser || required
    ? 'renders every chart offline, without errors'
    : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`;

/** Debian's Chromium, headless, with none of its own network traffic. */
function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The report opened from disk, with every request it makes and every error it logs. */
async function openReport(browser: Browser, report: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  return { page, requests, errors };
}

/** Every canvas's size and how many of its pixels are inked. */
const paintedCanvases = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
    const { width, height } = canvas;
    const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
    return { id: canvas.id, width, height, inked };
  })`) as Promise<{ id: string; width: number; height: number; inked: number }[]>;

describe('report.html in a browser', () => {
  it.skipIf(!haveBrowser && !required)(title, { timeout: 120_000 }, async () => {
    expect(existsSync(CHROMIUM), `Chromium is required here but missing at ${CHROMIUM}`).toBe(true);
    const out = mkdtempSync(path.join(tmpdir(), 'loopbench-report-'));
    const run = spawnSync(process.execPath, [bin, 'run', '--quick', '--scenario', 'head-of-line,io-bound,mixed', '--out', out], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
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
      expect(await page.locator('section').count()).toBe(3);
      expect(requests).toEqual([pathToFileURL(report).href]);
      expect(errors).toEqual([]);

      const screenshot = process.env.LOOPBENCH_SCREENSHOT ?? path.join(out, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });
});

// The articles' originals run where Debian's Python packages are; CI installs them and sets this.
const ORIGINALS = ['flask', 'fastapi', 'fastapi-def'];
const originalsMissing = unavailableLines(
  discoverServers(findWorkspaceRoot()).unavailable.filter((u) => ORIGINALS.includes(u.server.name)),
);
const requireOriginals = process.env.LOOPBENCH_REQUIRE_SERVERS === '1';
const articlesTitle =
  originalsMissing.length > 0 && !requireOriginals
    ? `skipped: the articles' originals cannot run here (${originalsMissing.join('; ')})`
    : 'shows the originals beside their analogues, and the claims table with a verdict in every row';

describe('report.html of the articles suite in a browser', () => {
  it.skipIf((!haveBrowser && !required) || (originalsMissing.length > 0 && !requireOriginals))(
    articlesTitle,
    { timeout: 180_000 },
    async () => {
      expect(originalsMissing, 'the originals are required here').toEqual([]);
      const out = mkdtempSync(path.join(tmpdir(), 'loopbench-articles-'));
      const run = spawnSync(
        process.execPath,
        [bin, 'run', '--quick', '--suite', 'articles', '--scenario', 'article-dummy,article-hello', '--out', out],
        { encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain("The articles' claims, checked here");
      const report = path.join(out, 'report.html');
      const browser = await launchBrowser();
      try {
        const { page, requests, errors } = await openReport(browser, report);
        // Originals and analogues as columns of one table, each scenario its own.
        const columns = (id: string) =>
          page.evaluate(`[...document.querySelectorAll('#scenario-${id} thead th')].map((th) => th.textContent)`) as Promise<string[]>;
        expect(await columns('article-dummy')).toEqual(expect.arrayContaining(['flask', 'fastapi', 'express-blocking', 'koa']));
        expect(await columns('article-hello')).toEqual(expect.arrayContaining(['fastapi', 'fastapi-def', 'koa', 'worker-pool']));
        const claims = (await page.evaluate(
          `[...document.querySelectorAll('table[data-claims] tbody tr')].map((tr) => ({ id: tr.dataset.claim, verdict: tr.dataset.verdict, cells: tr.cells.length, visible: tr.getBoundingClientRect().height > 0 }))`,
        )) as { id: string; verdict: string; cells: number; visible: boolean }[];
        expect(claims.map((c) => c.id)).toEqual(['dummy', 'async-hello']);
        for (const claim of claims) {
          expect(['reproduced', 'not reproduced', 'reversed'], claim.id).toContain(claim.verdict);
          expect(claim).toMatchObject({ cells: 5, visible: true });
        }
        for (const canvas of await paintedCanvases(page)) expect(canvas.inked, canvas.id).toBeGreaterThan(1_000);
        expect(requests).toEqual([pathToFileURL(report).href]);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readResults } from './results.js';

const CHROMIUM = '/usr/bin/chromium';
const bin = fileURLToPath(new URL('../bin/loopbench.js', import.meta.url));
const haveBrowser = existsSync(CHROMIUM);
// CI installs Chromium and sets this, so a missing browser fails there instead of skipping.
const required = process.env.LOOPBENCH_REQUIRE_BROWSER === '1';
const title =
  haveBrowser || required
    ? 'renders every chart offline, without errors'
    : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`;

describe('report.html in a browser', () => {
  it.skipIf(!haveBrowser && !required)(title, { timeout: 120_000 }, async () => {
    expect(existsSync(CHROMIUM), `Chromium is required here but missing at ${CHROMIUM}`).toBe(true);
    const out = mkdtempSync(path.join(tmpdir(), 'loopbench-report-'));
    const run = spawnSync(process.execPath, [bin, 'run', '--quick', '--scenario', 'head-of-line,io-bound,mixed', '--out', out], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const report = path.join(out, 'report.html');

    const browser = await chromium.launch({
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
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });

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
      const painted = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
        const { width, height } = canvas;
        const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
        return { id: canvas.id, width, height, inked };
      })`)) as { id: string; width: number; height: number; inked: number }[];
      for (const canvas of painted) {
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

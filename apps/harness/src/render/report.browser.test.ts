import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarize } from '../analysis/stats.js';
import type { ScenarioResult, ServerResult } from '../results/results.js';
import { resultsOf, serverResultOf } from '../results/results.testing.js';
import { discoverServers, findWorkspaceRoot, unavailableLines } from '../run/discover.js';
import { browserTitle, haveBrowser, launchBrowser, openReport, paintedCanvases, requireBrowser } from './browser.testing.js';
import { renderHtml } from './html.js';
import { chartLibrarySource } from './report.js';

// The default suite's report is opened in the browser by run/e2e.test.ts, from its own run.
const bin = fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url));

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
  it.skipIf((!haveBrowser && !requireBrowser) || (originalsMissing.length > 0 && !requireOriginals))(
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

/** A server whose throughput theory checked against an interval: [expected, low, high]. */
function checked(
  server: string,
  model: ServerResult['model'],
  runs: number[],
  [expected, low, high]: [number, number, number],
): ServerResult {
  const metrics = { throughputRps: summarize(runs) };
  const measured = metrics.throughputRps.median;
  return {
    ...serverResultOf(server, metrics, model),
    expected: { throughputRps: expected },
    theory: [
      {
        metric: 'throughputRps',
        measured,
        expected,
        low,
        high,
        difference: measured / expected - 1,
        agrees: measured >= low && measured <= high,
      },
    ],
  };
}

describe("report.html's theory in a browser", () => {
  it.skipIf(!haveBrowser && !requireBrowser)(
    browserTitle("draws theory's interval around its cross in the throughput chart, and prints it in the table"),
    { timeout: 60_000 },
    async () => {
      const io: ScenarioResult = {
        id: 'io-bound',
        kind: 'closed-loop',
        valid: true,
        parameters: { connections: 10 },
        results: [
          checked('express-blocking', 'blocking', [19.6, 19.7, 20.1], [20, 19.1, 20.9]),
          checked('koa', 'non-blocking', [150, 160, 170], [200, 188, 204]),
        ],
      };
      const report = path.join(mkdtempSync(path.join(tmpdir(), 'loopbench-theory-')), 'report.html');
      writeFileSync(report, renderHtml(resultsOf([io]), chartLibrarySource()));
      const browser = await launchBrowser();
      try {
        const { page, requests, errors } = await openReport(browser, report);
        // What Chart.js holds and drew: the interval's data, and each floating bar's pixels beside the cross's.
        const drawn = (await page.evaluate(`(() => {
          const chart = Chart.getChart('chart-throughput');
          const index = (label) => chart.data.datasets.findIndex((d) => d.label === label);
          const interval = index("theory's interval");
          const bars = chart.getDatasetMeta(interval).data.map((bar) => ({ top: Math.min(bar.y, bar.base), bottom: Math.max(bar.y, bar.base), width: bar.width }));
          const crosses = chart.getDatasetMeta(index('theory')).data.map((point) => point.y);
          return { data: chart.data.datasets[interval].data, visible: chart.isDatasetVisible(interval), bars, crosses };
        })()`)) as { data: unknown; visible: boolean; bars: { top: number; bottom: number; width: number }[]; crosses: number[] };
        expect(drawn.data).toEqual([
          [19.1, 20.9],
          [188, 204],
        ]);
        expect(drawn.visible).toBe(true);
        expect(drawn.bars).toHaveLength(2);
        for (const [i, bar] of drawn.bars.entries()) {
          expect(bar.bottom - bar.top, `bar ${i}'s height`).toBeGreaterThan(2);
          expect(bar.width, `bar ${i}'s width`).toBeGreaterThan(5);
          const cross = drawn.crosses[i] as number;
          expect(cross, `the cross ${i} inside its box`).toBeGreaterThanOrEqual(bar.top);
          expect(cross, `the cross ${i} inside its box`).toBeLessThanOrEqual(bar.bottom);
        }
        const cells = (await page.evaluate(
          `[...document.querySelectorAll('#scenario-io-bound tbody td')].map((td) => td.textContent)`,
        )) as string[];
        expect(cells).toEqual(expect.arrayContaining(['20.0 ±0.900 ✓', '200 (188–204) ✗']));
        expect(await page.evaluate(`document.querySelector('#scenario-io-bound .legend').textContent`)).toMatch(
          /^theory: the model's figure and the interval it predicts for windows like these/,
        );
        for (const canvas of await paintedCanvases(page)) expect(canvas.inked, canvas.id).toBeGreaterThan(1_000);
        expect(requests).toEqual([pathToFileURL(report).href]);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});

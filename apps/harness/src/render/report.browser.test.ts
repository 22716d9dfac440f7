import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverServers, findWorkspaceRoot, unavailableLines } from '../run/discover.js';
import { haveBrowser, launchBrowser, openReport, paintedCanvases, requireBrowser } from './browser.testing.js';

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

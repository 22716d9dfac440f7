import { describe, expect, it } from 'vitest';
import { CLAIM_RULE, claimsTable } from '../analysis/claims.js';
import { summarize } from '../analysis/stats.js';
import { checkTheory, exactly } from '../analysis/theory.js';
import type { ScenarioResult, ServerResult } from '../results/results.js';
import { resultsOf } from '../results/results.testing.js';
import { reportCharts } from './charts/registry.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderClaims, wrap } from './terminal.js';

function server(
  name: string,
  model: 'blocking' | 'non-blocking',
  throughput: number[],
  expected: number,
  valid = true,
  problem = 'run 2: 3 connection errors',
): ServerResult {
  const metrics = { throughputRps: summarize(throughput) };
  return {
    server: name,
    model,
    analogue: '',
    valid,
    failed: false,
    problems: valid ? [] : [problem],
    metrics,
    expected: { throughputRps: expected },
    theory: [checkTheory('throughputRps', metrics.throughputRps.median, exactly(expected))],
    runs: [],
    pids: [],
  };
}

function scenario(id: string, results: ServerResult[]): ScenarioResult {
  return { id, kind: 'closed-loop', valid: results.every((r) => r.valid), parameters: { connections: 10 }, results };
}

const io = scenario('io-bound', [
  server('express-blocking', 'blocking', [19.6, 19.7, 20.1], 20),
  server('koa', 'non-blocking', [150, 160, 170], 200),
]);

describe('renderMarkdown', () => {
  it('leads with the environment and a headline table of the pair, then a table per scenario', () => {
    const md = renderMarkdown(resultsOf([io]));
    expect(md).toContain('Node 20.20.2 on Linux 6.1 (x64), 2 × Test CPU, 16 GiB; express 5.3.0, koa 3.3.0; commit 0123456789; not pinned.');
    expect(md).toContain('| scenario | metric | express-blocking | koa | koa / express-blocking | theory |');
    expect(md).toContain('| io-bound | throughput (req/s) | 19.7 (19.6–20.1) | 160 (150–170) | 8.12× | ✗ 1 of 2 off |');
    expect(md).toContain('### io-bound');
    expect(md).toContain('| throughput (req/s) | 19.7 (19.6–20.1) | 20.0 ✓ | 160 (150–170) | 200 ✗ | 8.12× (7.46–8.67) |');
    expect(md).toContain(
      "**Verdict:** koa served 160 req/s, 8.12× express-blocking's 19.7 req/s (theory: 10.0×). express-blocking's event loop was – occupied",
    );
    expect(md).toContain('Theory disagrees on: koa throughputRps 160 (theory 200).');
  });

  it('marks invalid scenarios, lists their problems, and says when the run did not finish', () => {
    const broken = scenario('hello', [server('express-blocking', 'blocking', [1], 1), server('koa', 'non-blocking', [2], 2, false)]);
    const md = renderMarkdown(resultsOf([broken], false));
    expect(md).toContain('### hello (INVALID)');
    expect(md).toContain('- koa: run 2: 3 connection errors');
    expect(md).toContain('The run did not finish');
  });
});

describe('a generator-bound server', () => {
  const bound: ServerResult = {
    ...server('node-http', 'non-blocking', [], 1, false, 'run 1: generator-bound: the load generator was 97% busy'),
    metrics: {},
    theory: [],
    runs: [
      {
        repeat: 1,
        valid: false,
        problems: ['generator-bound: the load generator was 97% busy'],
        values: { throughputRps: 61_000 },
        generatorBound: true,
      },
    ],
  };
  const hello = scenario('hello', [server('koa', 'non-blocking', [30_000, 31_000, 32_000], 1), bound]);

  it("says so in every table instead of quoting its figure as the server's", () => {
    const md = renderMarkdown(resultsOf([hello]));
    expect(md).toContain('| throughput (req/s) | 31,000 (30,000–32,000) | 1.00 ✗ | generator-bound |  |');
    expect(md).not.toContain('61,000');
    expect(md).toContain('- node-http: run 1: generator-bound: the load generator was 97% busy');
    expect(renderHtml(resultsOf([hello]), '')).toContain('generator-bound');
  });
});

describe('renderHtml', () => {
  const html = renderHtml(
    resultsOf([io, scenario('hello', [server('koa', 'non-blocking', [1], 1, false, 'koa said <script>alert(1)</script>')])]),
    '/* chart library */',
  );

  it('is one page with the library, the data and every section inline', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('/* chart library */');
    expect(html).toContain('id="loopbench-data"');
    // The page's own stylesheet and script, read from assets/.
    expect(html).toMatch(/<style>\n[^<]*\.canvas \{/);
    expect(html).toContain('window.loopbenchCharts = [];');
    expect(html).toContain('<section id="scenario-io-bound" class="valid">');
    expect(html).toContain('<section id="scenario-hello" class="invalid">');
    expect(html).toContain('id="chart-throughput"');
  });

  it('escapes text from the results and loads nothing from elsewhere', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('koa said &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });
});

describe('wrap', () => {
  it('folds words into indented lines no wider than asked', () => {
    const text = 'FastAPI plain def endpoints, run in its thread pool (anyio, 40 threads) and a few more words to fold';
    const lines = wrap(text, 40, '    ').split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(40);
      expect(line.startsWith('    ')).toBe(true);
    }
    expect(lines.map((l) => l.trim()).join(' ')).toBe(text);
  });
});

describe('timeline charts', () => {
  const withTimeline = (result: ServerResult, rows: number): ServerResult => ({
    ...result,
    runs: [
      {
        repeat: 1,
        valid: true,
        problems: [],
        values: {},
        timeline: {
          // Each connection's request: sent at 0, served for the last 50 ms of its answer.
          requests: Array.from({ length: rows }, (_, row) => [row, 0, 0, 50 * (row + 1), 50]),
          samples: [
            [0, 100, 1, 0.01, 1, 0.2],
            [100, 200, 1, 0.02, 1, 0.3],
          ],
        },
      },
    ],
  });
  const timed = scenario('io-bound', [
    withTimeline(server('express-blocking', 'blocking', [20], 20), 3),
    withTimeline(server('koa', 'non-blocking', [200], 200), 2),
  ]);

  it('draws each request waiting then served, one row per connection, and the /stats readings, on one time axis', () => {
    const charts = reportCharts(resultsOf([timed]));
    const timeline = charts.find((c) => c.kind === 'timeline');
    const loop = charts.find((c) => c.kind === 'loop-timeline');
    expect(timeline?.section).toBe('io-bound');
    expect(timeline?.config.data.datasets.map((d) => d.label)).toEqual([
      'express-blocking: waiting',
      'express-blocking: being served',
      'koa: waiting',
      'koa: being served',
    ]);
    // express-blocking's third connection (row 2): waits from 0 to 100 ms, is served from 100 to 150.
    const [waiting, served] = timeline?.config.data.datasets ?? [];
    expect(waiting?.data.slice(6, 9)).toEqual([
      { x: 0, y: 2 },
      { x: 100, y: 2 },
      { x: 100, y: null },
    ]);
    expect(served?.data.slice(6, 8)).toEqual([
      { x: 100, y: 2 },
      { x: 150, y: 2 },
    ]);
    // koa's rows follow a gap row.
    expect(timeline?.config.options.scales).toMatchObject({
      y: { rowLabels: { 0: 'express-blocking #1', 2: 'express-blocking #3', 4: 'koa #1', 5: 'koa #2' } },
      x: { min: 0, max: 150 },
    });
    expect(loop?.config.options.scales).toMatchObject({ x: { min: 0, max: 150 } });
    expect(loop?.config.data.datasets[0]).toMatchObject({
      label: 'express-blocking: event loop occupied',
      data: [
        { x: 0, y: 1 },
        { x: 100, y: 1 },
        { x: 200, y: 1 },
      ],
    });
  });

  it('marks every chart with its kind in the page, and draws no timeline for runs that recorded none', () => {
    const html = renderHtml(resultsOf([timed, io]), '');
    expect(html).toContain('<figure class="chart" data-chart="timeline">');
    expect(html).toContain('<figure class="chart" data-chart="loop-timeline">');
    expect(html).toContain('data-chart="throughput"');
    expect(reportCharts(resultsOf([io])).some((c) => c.kind === 'timeline' || c.kind === 'loop-timeline')).toBe(false);
  });
});

describe('the claims table', () => {
  it('has the verdict rule under it in the terminal, summary.md and report.html (#27)', () => {
    const hello: ScenarioResult = {
      ...scenario('article-hello', [server('fastapi', 'non-blocking', [6_441], 0), server('fastapi-def', 'blocking', [4_771], 0)]),
      kind: 'fixed-count',
    };
    const withClaims = resultsOf([hello]);
    const words = (text: string) => text.replace(/\s+/g, ' ');
    expect(words(renderClaims(claimsTable(withClaims), { color: false }, 80))).toContain(CLAIM_RULE);
    expect(renderMarkdown(withClaims)).toContain(`|\n\n${CLAIM_RULE}\n`);
    const html = CLAIM_RULE.replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
    );
    expect(renderHtml(withClaims, '')).toContain(`</table></div>\n<p class="claims-rule">${html}</p>`);
  });
});

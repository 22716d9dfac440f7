import { describe, expect, it } from 'vitest';
import { CLAIM_RULE, claimsTable } from '../analysis/claims.js';
import { summarize } from '../analysis/stats.js';
import type { Basis, MetricName, ScenarioResult, ServerResult, TheoryCheck } from '../results/results.js';
import { resultsOf } from '../results/results.testing.js';
import { reportCharts } from './charts/registry.js';
import { connectionsWords, findingFor } from './describe.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { theoryFigure } from './rows.js';
import { renderClaims, renderHeader, renderScenario, wrap } from './terminal.js';

/** Theory's figure, or its figure with the interval it judged by: [expected, low, high]. */
type Theory = number | [number, number, number];

/** A check as results.json holds it; `agrees` as the interval says, or as given (files without one). */
function check(metric: MetricName, measured: number, theory: Theory, basis?: Basis, agrees?: boolean): TheoryCheck {
  const [expected, low, high] = typeof theory === 'number' ? [theory, theory, theory] : theory;
  return {
    metric,
    ...(basis ? { basis } : {}),
    measured,
    expected,
    low,
    high,
    difference: measured / expected - 1,
    agrees: agrees ?? (measured >= low && measured <= high),
  };
}

function server(
  name: string,
  model: 'blocking' | 'non-blocking',
  throughput: number[],
  theory: Theory,
  valid = true,
  problem = 'run 2: 3 connection errors',
): ServerResult {
  const metrics = { throughputRps: summarize(throughput) };
  const made = check('throughputRps', metrics.throughputRps.median, theory);
  return {
    server: name,
    model,
    analogue: '',
    valid,
    failed: false,
    problems: valid ? [] : [problem],
    metrics,
    expected: { throughputRps: made.expected },
    theory: [made],
    runs: [],
    pids: [],
  };
}

function scenario(id: string, results: ServerResult[]): ScenarioResult {
  return { id, kind: 'closed-loop', valid: results.every((r) => r.valid), parameters: { connections: 10 }, results };
}

const io = scenario('io-bound', [
  server('express-blocking', 'blocking', [19.6, 19.7, 20.1], [20, 19.1, 20.9]),
  server('koa', 'non-blocking', [150, 160, 170], [200, 188, 204]),
]);

describe('renderMarkdown', () => {
  it('leads with the environment and a headline table of the pair, then a table per scenario', () => {
    const md = renderMarkdown(resultsOf([io]));
    expect(md).toContain('Node 20.20.2 on Linux 6.1 (x64), 2 × Test CPU, 16 GiB; express 5.3.0, koa 3.3.0; commit 0123456789; not pinned.');
    expect(md).toContain('| scenario | metric | express-blocking | koa | koa / express-blocking | theory |');
    expect(md).toContain('| io-bound | throughput (req/s) | 19.7 (19.6–20.1) | 160 (150–170) | 8.12× | ✗ 1 of 2 off |');
    expect(md).toContain('### io-bound');
    expect(md).toContain('| throughput (req/s) | 19.7 (19.6–20.1) | 20.0 ±0.900 ✓ | 160 (150–170) | 200 (188–204) ✗ | 8.12× (7.46–8.67) |');
    expect(md).toContain(
      "\ntheory: the model's figure and the interval it predicts for windows like these, as ± its half-width, or (low–high) when lopsided; ✓ inside it, ✗ outside.\n",
    );
    expect(md).toContain(
      "**Verdict:** koa served 160 req/s, 8.12× express-blocking's 19.7 req/s (theory: 10.0×). express-blocking's event loop was – occupied",
    );
    expect(md).toContain('Theory disagrees on: koa throughputRps 160 (theory 200, 188–204).');
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

describe('a run whose load came from Locust', () => {
  const results = resultsOf([io]);
  const fromLocust = {
    ...results,
    options: { ...results.options, generator: 'locust' as const, generators: 2 },
    environment: { ...results.environment, loadGenerator: 'Locust 2.12.1-1: 2 workers per run, each timing every request itself in µs' },
  };

  it('names it in the header of the terminal tables and of summary.md, and says nothing of the built-in one', () => {
    const said = '; load from Locust 2.12.1-1: 2 workers per run';
    expect(renderHeader(fromLocust.environment, fromLocust.options, ['io-bound'])).toContain(said);
    expect(renderMarkdown(fromLocust)).toContain(said);
    expect(renderMarkdown(results)).not.toContain('load from');
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

describe("theory's cell", () => {
  it('prints ± the half-width when the figure is at the middle (within a tenth of it), else the ends; the figure alone with no interval', () => {
    expect(theoryFigure({ expected: 20, low: 19.1, high: 20.9 })).toBe('20.0 ±0.900');
    // Off the middle by 0.09 of a half-width of 1: still ±.
    expect(theoryFigure({ expected: 20.09, low: 19.1, high: 21.1 })).toBe('20.1 ±1.00');
    expect(theoryFigure({ expected: 200, low: 188, high: 204 })).toBe('200 (188–204)');
    // Widened below zero by the instrument's resolution: no measurement is negative.
    expect(theoryFigure({ expected: 0, low: -2, high: 9.63 })).toBe('0.000 (0.000–9.63)');
    expect(theoryFigure({ expected: 0, low: -0.1, high: 0.1 })).toBe('0.000 ±0.100');
    expect(theoryFigure({ expected: 20, low: Number.NaN, high: Number.NaN })).toBe('20.0');
    expect(theoryFigure({ expected: 1, low: 1, high: 1 })).toBe('1.00');
    expect(theoryFigure({ expected: Number.POSITIVE_INFINITY, low: Number.NaN, high: Number.POSITIVE_INFINITY })).toBe('∞');
  });
});

describe("a metric checked against the model and against the run's own arrivals", () => {
  const openLoop = (name: string, model: 'blocking' | 'non-blocking', p99: number, checks: TheoryCheck[]): ServerResult => ({
    ...server(name, model, [200], 200),
    metrics: { fastLatencyP99Ms: summarize([p99]) },
    expected: { fastLatencyP99Ms: checks[0]?.expected ?? Number.NaN },
    theory: checks,
  });
  const mixed: ScenarioResult = {
    ...scenario('mixed', [
      openLoop('express-blocking', 'blocking', 152, [
        check('fastLatencyP99Ms', 152, [160, 150, 175]),
        check('fastLatencyP99Ms', 152, [140, 131, 149], 'realised'),
      ]),
      openLoop('koa', 'non-blocking', 2.1, [
        check('fastLatencyP99Ms', 2.1, [1.4, 0, 3.5]),
        check('fastLatencyP99Ms', 2.1, [1.5, 0.5, 2.5], 'realised'),
      ]),
    ]),
    kind: 'open-loop',
  };
  const results = resultsOf([mixed]);

  it("shows the realised check as its own row beneath the metric's, in summary.md, the terminal and report.html", () => {
    const md = renderMarkdown(results);
    expect(md).toContain(
      [
        '| /fast latency p99 (ms) | 152 | 160 (150–175) ✓ | 2.10 | 1.40 (0.000–3.50) ✓ | 0.014× |',
        "| /fast latency p99 (ms), this run's arrivals |  | 140 ±9.00 ✗ |  | 1.50 ±1.00 ✓ |  |",
      ].join('\n'),
    );
    expect(md).toContain(`Rows "…, this run's arrivals": what this run's own arrivals and service times predict`);
    const terminal = renderScenario(mixed, { color: false }).split('\n');
    expect(terminal.find((line) => line.startsWith("/fast latency p99 (ms), this run's arrivals"))).toMatch(
      /this run's arrivals\s+140 ±9\.00 ✗\s+1\.50 ±1\.00 ✓$/,
    );
    expect(terminal.find((line) => line.startsWith('/fast latency p99 (ms) '))).toMatch(
      /152\s+160 \(150–175\) ✓\s+2\.10\s+1\.40 \(0\.000–3\.50\) ✓/,
    );
    expect(terminal).toContain(
      `theory: the model's figure and the interval it predicts for windows like these, as ± its half-width, or (low–high) when lopsided; ✓ inside it, ✗ outside. Rows "…, this run's arrivals": what this run's own arrivals and service times predict (Lindley's recursion), judged the same way.`,
    );
    const html = renderHtml(results, '');
    expect(html).toContain(
      `<tr class="realised"><th scope="row">/fast latency p99 (ms), this run&#39;s arrivals</th><td></td><td>140 ±9.00 <span class="bad">✗</span></td><td></td><td>1.50 ±1.00 <span class="ok">✓</span></td><td></td></tr>`,
    );
    expect(html).toContain('<p class="legend">theory: the model&#39;s figure and the interval it predicts');
  });

  it('counts every check in the headline, and names the basis of a miss', () => {
    expect(renderMarkdown(results)).toContain('| ✗ 1 of 4 off |');
    expect(findingFor(mixed)).toContain("Theory disagrees on: express-blocking fastLatencyP99Ms 152 (this run's arrivals 140, 131–149).");
  });
});

describe('a file from before intervals (version 1 or 2)', () => {
  const old = scenario('io-bound', [
    {
      ...server('express-blocking', 'blocking', [19.7], 20),
      theory: [check('throughputRps', 19.7, [20, Number.NaN, Number.NaN], undefined, true)],
    },
    {
      ...server('koa', 'non-blocking', [160], 200),
      theory: [check('throughputRps', 160, [200, Number.NaN, Number.NaN], undefined, false)],
    },
  ]);

  it('shows the figure alone, and says the file records no interval', () => {
    const md = renderMarkdown(resultsOf([old]));
    expect(md).toContain('| throughput (req/s) | 19.7 | 20.0 ✓ | 160 | 200 ✗ | 8.12× |');
    expect(md).toContain("theory: the model's figure; ✓ agrees, ✗ does not (this file records no interval).");
    expect(findingFor(old)).toContain('Theory disagrees on: koa throughputRps 160 (theory 200).');
  });
});

describe('a scenario that claims nothing', () => {
  const agreeing = scenario('io-bound', [
    server('express-blocking', 'blocking', [19.7], [20, 19.1, 20.9]),
    server('koa', 'non-blocking', [195], [200, 188, 204]),
  ]);

  it('says every number agrees with theory only when numbers were checked and it ran to its end', () => {
    expect(findingFor(agreeing)).toContain('Every number agrees with theory.');
    const interrupted = { ...agreeing, interrupted: true, valid: false };
    expect(findingFor(interrupted)).not.toContain('Every number agrees');
    expect(findingFor(interrupted)).toContain('Interrupted: these figures are of the runs done before it stopped.');
    const unchecked = scenario('hello', [{ ...server('koa', 'non-blocking', [30_000], 1), theory: [], expected: {} }]);
    expect(findingFor(unchecked)).not.toContain('agrees');
    expect(findingFor(scenario('io-bound', []))).not.toContain('agrees');
  });

  it('says only that it was interrupted when nothing was measured, and blames no server that has no problem', () => {
    const nothing = (name: string, model: 'blocking' | 'non-blocking'): ServerResult => ({
      ...server(name, model, [1], 1),
      valid: false,
      metrics: {},
      expected: {},
      theory: [],
    });
    const stopped: ScenarioResult = {
      ...scenario('io-bound', [nothing('express-blocking', 'blocking'), nothing('koa', 'non-blocking')]),
      interrupted: true,
    };
    expect(findingFor(stopped)).toBe('Interrupted before anything was measured.');
    const md = renderMarkdown(resultsOf([stopped], false));
    expect(md).toContain('### io-bound (INTERRUPTED)');
    expect(md).not.toContain('Every number agrees');
    expect(md).not.toContain('see problems');
  });
});

describe('the throughput chart', () => {
  it("draws theory's interval as a floating bar around its cross, where the file records one", () => {
    const old = scenario('hello', [
      {
        ...server('koa', 'non-blocking', [30_000], 1),
        theory: [check('throughputRps', 30_000, [1, Number.NaN, Number.NaN], undefined, false)],
      },
    ]);
    const chart = reportCharts(resultsOf([io, old])).find((c) => c.kind === 'throughput');
    const datasets = chart?.config.data.datasets ?? [];
    expect(chart?.config.data.labels).toEqual(['io-bound · express-blocking', 'io-bound · koa', 'hello · koa']);
    expect(datasets.find((d) => d.label === "theory's interval")?.data).toEqual([[19.1, 20.9], [188, 204], null]);
    expect(datasets.find((d) => d.label === 'theory')?.data).toEqual([
      { x: 'io-bound · express-blocking', y: 20 },
      { x: 'io-bound · koa', y: 200 },
      { x: 'hello · koa', y: 1 },
    ]);
  });
});

describe("the headers' connections", () => {
  it("name the database scenarios' own 20 beside --connections, and only where they ran", () => {
    expect(connectionsWords(10, ['head-of-line', 'io-bound'])).toBe('10 connections');
    expect(connectionsWords(10, ['db-bound', 'pool-limited'])).toBe('10 connections (20 in db-bound, pool-limited)');
  });
});

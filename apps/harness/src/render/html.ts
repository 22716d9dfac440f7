import { claimsTable } from '../analysis/claims.js';
import type { Results, ScenarioResult } from '../results/results.js';
import { describeEnvironment } from '../run/environment.js';
import { type ChartSpec, reportCharts } from './charts/registry.js';
import { parametersLine, scenarioText, statusOf, verdictFor } from './describe.js';
import { scenarioTable } from './rows.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON inside a <script> element: nothing in it may close the element. */
const scriptSafe = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

function badge(scenario: ScenarioResult): string {
  const status = statusOf(scenario);
  return status ? ` <span class="badge">${status}</span>` : '';
}

function chartFigure(chart: ChartSpec): string {
  const height = chart.height ? ` style="height: ${chart.height}px"` : '';
  return `<figure class="chart" data-chart="${chart.kind}"><figcaption><strong>${escapeHtml(chart.title)}</strong><br>${escapeHtml(chart.caption)}</figcaption><div class="canvas"${height}><canvas id="${chart.id}" role="img" aria-label="${escapeHtml(chart.title)}"></canvas></div></figure>`;
}

function scenarioSection(scenario: ScenarioResult, charts: ChartSpec[]): string {
  const table = scenarioTable(scenario);
  const head = table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = table.rows
    .map((row) => {
      const cells = row.cells
        .map((c) => {
          const mark = c.mark === 'agrees' ? ' <span class="ok">✓</span>' : c.mark === 'disagrees' ? ' <span class="bad">✗</span>' : '';
          return `<td>${escapeHtml(c.text)}${c.text ? mark : ''}</td>`;
        })
        .join('');
      return `<tr><th scope="row">${escapeHtml(row.label)}</th>${cells}</tr>`;
    })
    .join('\n');
  const parameters = parametersLine(scenario);
  const { title, claim } = scenarioText(scenario);
  const problems = scenario.results.flatMap((r) =>
    r.problems.map((p) => `<li><strong>${escapeHtml(r.server)}</strong>: ${escapeHtml(p)}</li>`),
  );
  const own = charts.filter((c) => c.section === scenario.id);
  return `<section id="scenario-${scenario.id}" class="${scenario.valid ? 'valid' : 'invalid'}">
<h2>${escapeHtml(scenario.id)}${badge(scenario)}</h2>
<p>${escapeHtml(title)}. <em>Claim:</em> ${escapeHtml(claim)}.</p>
<p class="params">${escapeHtml(parameters)}</p>
<div class="table"><table><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
<p class="verdict">${escapeHtml(verdictFor(scenario))}</p>
${problems.length > 0 ? `<details open><summary>Problems (runs marked invalid are left out of the medians)</summary><ul>${problems.join('')}</ul></details>` : ''}
${own.map(chartFigure).join('\n')}
</section>`;
}

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #1d1d1f; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.env, .params { color: #555; font-size: 0.9rem; } .params { font-family: ui-monospace, monospace; }
.table { overflow-x: auto; } table { border-collapse: collapse; font-size: 0.88rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th[scope=row], thead th:first-child { text-align: left; }
.ok { color: #1a7f37; } .bad { color: #cf222e; font-weight: bold; }
.badge { background: #cf222e; color: white; border-radius: 4px; padding: 0 0.4rem; font-size: 0.8rem; vertical-align: middle; }
.verdict { background: #f6f8fa; border-left: 4px solid #2e86ab; padding: 0.5rem 0.8rem; }
section.invalid .verdict { border-left-color: #cf222e; }
table[data-claims] { table-layout: fixed; width: 100%; } table[data-claims] th, table[data-claims] td { text-align: left; white-space: normal; vertical-align: top; } table[data-claims] th:last-child { width: 34%; } .claim-reproduced { color: #1a7f37; } .claim-not-reproduced, .claim-reversed { color: #9a6700; }
.chart { margin: 1.5rem 0; } .chart figcaption { font-size: 0.9rem; color: #444; margin-bottom: 0.4rem; }
.canvas { position: relative; height: 340px; }
ul.verdicts li { margin-bottom: 0.4rem; }
`;

/** The page's own code: draw every chart from its JSON spec and record what was drawn. */
const DRAW = `
const data = JSON.parse(document.getElementById('loopbench-data').textContent);
// Percentile axes: ticks at p50, p90, p99, p99.9 and p99.99 only (x = 1 / (1 - q)).
const PERCENTILES = { 2: 'p50', 10: 'p90', 100: 'p99', 1000: 'p99.9', 10000: 'p99.99' };
window.loopbenchCharts = [];
for (const spec of data.charts) {
  const x = spec.config.options.scales && spec.config.options.scales.x;
  if (x && x.percentileAxis) {
    x.afterBuildTicks = (axis) => { axis.ticks = Object.keys(PERCENTILES).map((value) => ({ value: Number(value) })); };
    x.ticks = { callback: (value) => PERCENTILES[value] || '' };
  }
  // Row axes: a label for each listed row only (a connection, or a server's band of requests).
  const y = spec.config.options.scales && spec.config.options.scales.y;
  if (y && y.rowLabels) {
    const labels = y.rowLabels;
    y.afterBuildTicks = (axis) => { axis.ticks = Object.keys(labels).map((value) => ({ value: Number(value) })); };
    y.ticks = { autoSkip: false, callback: (value) => labels[value] || '' };
  }
  const chart = new Chart(document.getElementById(spec.id), spec.config);
  window.loopbenchCharts.push({
    id: spec.id,
    kind: spec.kind,
    datasets: chart.data.datasets.map((d) => ({ label: d.label, points: d.data.filter((v) => v !== null && v !== undefined && v.y !== null).length })),
  });
}
`;

/** The articles' claims, one row each with its verdict; empty when no article scenario ran. */
function claimsSection(results: Results): string {
  const claims = claimsTable(results);
  if (claims.length === 0) return '';
  const rows = claims
    .map(
      (c) =>
        `<tr data-claim="${escapeHtml(c.id)}" data-verdict="${escapeHtml(c.verdict)}"><td>${escapeHtml(c.claim)}</td><td>${escapeHtml(c.article)}</td><td>${escapeHtml(c.originals)}</td><td>${escapeHtml(c.analogue)}</td><td><strong class="claim-${c.verdict.replace(' ', '-')}">${escapeHtml(c.verdict)}</strong>: ${escapeHtml(c.reason)}</td></tr>`,
    )
    .join('\n');
  return `<h2>The articles' claims, checked here</h2>
<div class="table"><table data-claims="articles"><thead><tr><th>claim</th><th>the article</th><th>the originals here</th><th>the Node analogues here</th><th>verdict</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

/**
 * report.html: one self-contained page (Chart.js inlined, data embedded, no network) with the
 * head-of-line timeline, throughput against theory, occupied against working, a latency spectrum
 * per scenario, every table and verdict, and the environment.
 */
export function renderHtml(results: Results, chartLibrary: string): string {
  const charts = reportCharts(results);
  const o = results.options;
  const overview = charts
    .filter((c) => c.section === undefined)
    .map(chartFigure)
    .join('\n');
  const verdicts = results.scenarios
    .map((s) => `<li><a href="#scenario-${s.id}"><strong>${escapeHtml(s.id)}</strong></a>${badge(s)}: ${escapeHtml(verdictFor(s))}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>loopbench: ${escapeHtml(o.servers.join(' vs '))}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>loopbench: ${escapeHtml(o.servers.join(' vs '))}</h1>
<p class="env">${escapeHtml(describeEnvironment(results.environment))}<br>
${escapeHtml(`${results.createdAt}; ${o.repeats} runs per server of ${o.durationS} s after a ${o.warmupS} s warm-up, ${o.connections} connections, ${o.workers} workers in worker scenarios, ${o.ratePerS} req/s open loop${o.quick ? ', --quick' : ''}; load generator: ${results.environment.loadGenerator}`)}</p>
${results.complete ? '' : '<p><span class="badge">INCOMPLETE</span> The run stopped before every scenario finished; these are the ones that did.</p>'}
${claimsSection(results)}
<h2>Verdicts</h2>
<ul class="verdicts">
${verdicts}
</ul>
${overview}
${results.scenarios.map((s) => scenarioSection(s, charts)).join('\n')}
<p class="env">Made by <code>loopbench</code>; regenerate with <code>npx loopbench report results.json</code>.</p>
<script type="application/json" id="loopbench-data">${scriptSafe(JSON.stringify({ charts }))}</script>
<script>${scriptSafe(chartLibrary)}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}

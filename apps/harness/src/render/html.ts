import { readFileSync } from 'node:fs';
import { CLAIM_RULE, claimsTable } from '../analysis/claims.js';
import type { Results, ScenarioResult } from '../results/results.js';
import { type ChartSpec, reportCharts } from './charts/registry.js';
import { connectionsWords, findingFor, parametersLine, scenarioText, statusOf } from './describe.js';
import { describeEnvironment } from './environment.js';
import { scenarioTable } from './rows.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The page's stylesheet and script, kept as files in assets/ beside this module (the build copies them into dist/). */
const asset = (name: 'report.css' | 'report.js') => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

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
      const basis = row.basis === 'realised' ? ' class="realised"' : '';
      return `<tr${basis}><th scope="row">${escapeHtml(row.label)}</th>${cells}</tr>`;
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
${table.legend ? `<p class="legend">${escapeHtml(table.legend)}</p>\n` : ''}<p class="verdict">${escapeHtml(findingFor(scenario))}</p>
${problems.length > 0 ? `<details open><summary>Problems (runs marked invalid are left out of the medians)</summary><ul>${problems.join('')}</ul></details>` : ''}
${own.map(chartFigure).join('\n')}
</section>`;
}

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
</tbody></table></div>
<p class="claims-rule">${escapeHtml(CLAIM_RULE)}</p>`;
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
  const findings = results.scenarios
    .map((s) => `<li><a href="#scenario-${s.id}"><strong>${escapeHtml(s.id)}</strong></a>${badge(s)}: ${escapeHtml(findingFor(s))}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>loopbench: ${escapeHtml(o.servers.join(' vs '))}</title>
<style>
${asset('report.css')}</style>
</head>
<body>
<h1>loopbench: ${escapeHtml(o.servers.join(' vs '))}</h1>
<p class="env">${escapeHtml(describeEnvironment(results.environment))}<br>
${escapeHtml(
  `${results.createdAt}; ${o.repeats} runs per server of ${o.durationS} s after a ${o.warmupS} s warm-up, ${connectionsWords(
    o.connections,
    results.scenarios.map((s) => s.id),
  )}, ${o.workers} workers in worker scenarios, ${o.ratePerS} req/s open loop${o.quick ? ', --quick' : ''}; load: ${results.environment.loadGenerator}`,
)}</p>
${results.complete ? '' : '<p><span class="badge">INCOMPLETE</span> The run stopped before every scenario finished; these are the ones that did.</p>'}
${claimsSection(results)}
<h2>Verdicts</h2>
<ul class="verdicts">
${findings}
</ul>
${overview}
${results.scenarios.map((s) => scenarioSection(s, charts)).join('\n')}
<p class="env">Made by <code>loopbench</code>; regenerate with <code>npx loopbench report results.json</code>.</p>
<script type="application/json" id="loopbench-data">${scriptSafe(JSON.stringify({ charts }))}</script>
<script>${scriptSafe(chartLibrary)}</script>
<script>
${asset('report.js')}</script>
</body>
</html>
`;
}

import { CLAIM_RULE, claimsTable } from '../analysis/claims.js';
import type { Results } from '../results/results.js';
import { connectionsWords, findingFor, loadWords, scenarioText, statusOf } from './describe.js';
import { describeEnvironment } from './environment.js';
import { hasOwnPairs, headlineRows, pairedHeadlineRows, scenarioTable } from './rows.js';

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

/** summary.md: every scenario's table and verdict, ready to paste into a README. */
export function renderMarkdown(results: Results): string {
  const o = results.options;
  const out = [
    `## loopbench: ${o.servers.join(' vs ')}`,
    '',
    `${describeEnvironment(results.environment)}.`,
    `Each figure is the median of ${o.repeats} runs (min–max in brackets) of ${o.durationS} s after a ${o.warmupS} s warm-up, ${connectionsWords(
      o.connections,
      results.scenarios.map((s) => s.id),
    )}${loadWords(o, results.environment)}; ✓ inside the interval theory predicts, ✗ outside it.${results.complete ? '' : ' **The run did not finish: these are the scenarios done before it stopped.**'}`,
  ];
  // The default suite's scenarios compare its pair; an article's experiment, its own (and their analogues).
  const headline = headlineRows(results.scenarios.filter((scenario) => !hasOwnPairs(scenario)));
  if (headline.servers) {
    const [blocking, nonBlocking] = headline.servers;
    out.push(
      '',
      `| scenario | metric | ${blocking} | ${nonBlocking} | ${nonBlocking} / ${blocking} | theory |`,
      '| --- | --- | ---: | ---: | ---: | --- |',
      ...headline.rows.map(
        (r) =>
          `| ${r.scenario}${r.status ? ` (${r.status})` : ''} | ${escapeCell(r.metric)} | ${r.blocking} | ${r.nonBlocking} | ${r.ratio} | ${r.theory} |`,
      ),
    );
  }
  const paired = pairedHeadlineRows(results.scenarios);
  if (paired.length > 0) {
    out.push(
      '',
      "Each article's experiment compares its own servers: the article's pair, then their Node analogues, the setup the article found slower first; each ratio is the second over the first.",
      '',
      "| scenario | metric | the article's pair | ratio | their Node analogues | ratio | theory |",
      '| --- | --- | --- | ---: | --- | ---: | --- |',
      ...paired.map(
        (r) =>
          `| ${r.scenario}${r.status ? ` (${r.status})` : ''} | ${escapeCell(r.metric)} | ${r.article.figures} | ${r.article.ratio} | ${r.analogues.figures} | ${r.analogues.ratio} | ${r.theory} |`,
      ),
    );
  }
  const claims = claimsTable(results);
  if (claims.length > 0) {
    out.push(
      '',
      "### The articles' claims, checked here",
      '',
      '| claim | the article | the originals here | the Node analogues here | verdict |',
      '| --- | --- | --- | --- | --- |',
      ...claims.map(
        (c) => `| ${[c.claim, c.article, c.originals, c.analogue, `**${c.verdict}**: ${c.reason}`].map(escapeCell).join(' | ')} |`,
      ),
      '',
      CLAIM_RULE,
    );
  }
  for (const scenario of results.scenarios) {
    const table = scenarioTable(scenario);
    const { title, claim } = scenarioText(scenario);
    out.push('', `### ${scenario.id}${statusOf(scenario) ? ` (${statusOf(scenario)})` : ''}`, '', `${title}. Claim: ${claim}.`, '');
    out.push(
      `| ${table.header.map(escapeCell).join(' | ')} |`,
      `| ${table.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    );
    for (const row of table.rows) {
      const cells = row.cells.map((c) => (c.mark === 'none' || !c.text ? c.text : `${c.text} ${c.mark === 'agrees' ? '✓' : '✗'}`));
      out.push(`| ${[row.label, ...cells].map(escapeCell).join(' | ')} |`);
    }
    if (table.legend) out.push('', table.legend);
    out.push('', `**Verdict:** ${findingFor(scenario)}`);
    const problems = scenario.results.flatMap((r) => r.problems.map((p) => `- ${r.server}: ${p.split('\n')[0]}`));
    if (problems.length > 0) out.push('', 'Problems:', '', ...problems);
  }
  return `${out.join('\n')}\n`;
}

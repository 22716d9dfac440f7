import { stripVTControlCharacters, styleText } from 'node:util';
import { CLAIM_RULE, type ClaimRow } from '../analysis/claims.js';
import type { Environment, Results, ScenarioResult } from '../results/results.js';
import { connectionsWords, findingFor, loadWords, parametersLine, scenarioText, statusOf } from './describe.js';
import { describeEnvironment } from './environment.js';
import { type Mark, scenarioTable } from './rows.js';

export interface Style {
  color: boolean;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function detectStyle(stream: NodeJS.WriteStream): Style {
  return { color: Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') };
}

const width = (text: string) => stripVTControlCharacters(text).length;

export function paint(style: Style, format: Parameters<typeof styleText>[0], text: string): string {
  return style.color ? styleText(format, text) : text;
}

function marked(style: Style, text: string, mark: Mark): string {
  if (mark === 'none' || text === '') return text;
  return mark === 'agrees' ? `${text} ${paint(style, 'green', '✓')}` : `${text} ${paint(style, 'red', '✗')}`;
}

/** Words folded into lines of at most `width` columns, each line indented. */
export function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** A plain-text table; text columns align left, `numeric` ones (all but the first) right. */
export function renderGrid(header: string[], rows: string[][], numeric = false): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(c));
        return numeric && i > 0 ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderScenario(scenario: ScenarioResult, style: Style): string {
  const table = scenarioTable(scenario);
  const rows = table.rows.map((row) => [row.label, ...row.cells.map((c) => marked(style, c.text, c.mark))]);
  const parameters = parametersLine(scenario);
  const status = statusOf(scenario) ? ` ${paint(style, ['bold', 'red'], `[${statusOf(scenario)}]`)}` : '';
  const problems = scenario.results.flatMap((r) => r.problems.map((p) => `  ! ${r.server}: ${p}`));
  return [
    `${paint(style, 'bold', `${scenario.id}`)} — ${scenarioText(scenario).title}${status}`,
    paint(style, 'dim', `  ${parameters}`),
    '',
    renderGrid(table.header, rows, true),
    ...(table.legend ? [paint(style, 'dim', table.legend)] : []),
    '',
    `→ ${findingFor(scenario)}`,
    ...(problems.length > 0 ? ['', ...problems.map((p) => paint(style, 'yellow', p))] : []),
  ].join('\n');
}

export function renderHeader(environment: Environment, options: Results['options'], scenarioIds: readonly string[]): string {
  return [
    `loopbench: ${options.servers.join(' vs ')}`,
    describeEnvironment(environment),
    `repeats ${options.repeats}, ${options.durationS} s per run after a ${options.warmupS} s warm-up, ${connectionsWords(options.connections, scenarioIds)}, ${options.workers} workers in worker scenarios${options.quick ? ' (--quick)' : ''}${loadWords(options, environment)}`,
  ].join('\n');
}

/** The claims table in blocks: each claim, its verdict, the article's figure, what ran here, and why. */
export function renderClaims(rows: readonly ClaimRow[], style: Style, width = 100): string {
  const colour = (verdict: ClaimRow['verdict']) => (verdict === 'reproduced' ? 'green' : verdict === 'not measured' ? 'dim' : 'yellow');
  const blocks = rows.map((r) =>
    [
      `${paint(style, 'bold', r.claim)}: ${paint(style, ['bold', colour(r.verdict)], r.verdict.toUpperCase())}`,
      wrap(`the article: ${r.article}`, width, '    '),
      wrap(`the originals here: ${r.originals}`, width, '    '),
      wrap(`the Node analogues here: ${r.analogue}`, width, '    '),
      wrap(`why: ${r.reason}`, width, '    '),
    ].join('\n'),
  );
  return [paint(style, 'bold', "The articles' claims, checked here"), ...blocks, paint(style, 'dim', wrap(CLAIM_RULE, width))].join('\n\n');
}

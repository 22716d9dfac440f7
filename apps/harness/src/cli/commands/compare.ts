import { Command, Option } from 'commander';
import { type Change, type Comparison, compareResults } from '../../analysis/compare.js';
import { formatNumber } from '../../analysis/format.js';
import { renderGrid } from '../../render/terminal.js';
import { readResults } from '../../results/results.js';
import { integer } from '../../run/options.js';
import type { CommandContext, Io } from './context.js';

/** Each Change in words, in the order the footer counts them. */
const CHANGE_WORDS: Record<Change, string> = {
  regressed: 'regressed',
  improved: 'improved',
  changed: 'changed',
  unchanged: 'unchanged',
  unclear: "can't tell",
  'too-few-runs': 'not enough runs to tell',
};

function footer(comparison: Comparison): string {
  const { test } = comparison;
  const counts = (Object.entries(CHANGE_WORDS) as [Change, string][]).map(
    ([change, words]) => `${comparison.changes.filter((c) => c.verdict === change).length} ${words}`,
  );
  return (
    `${counts.join(', ')} (a change counts when the median moved by ${test.thresholdPct}% or more and the ` +
    `${Math.round(test.confidence * 100)}% bootstrap interval of that move excludes 0; ${test.minRuns} runs a side at least)`
  );
}

interface CompareFlags {
  threshold: number;
  json?: boolean;
}

function compare(before: string, after: string, flags: CompareFlags, io: Io): number {
  const comparison = compareResults(readResults(before), readResults(after), flags.threshold);
  if (comparison.optionDifferences.length > 0) {
    io.err.write(
      `warning: the two runs used different options, so what changed may be the options, not the code: ${comparison.optionDifferences.join('; ')}\n`,
    );
  }
  if (flags.json) {
    io.out.write(`${JSON.stringify(comparison, null, 2)}\n`);
    return comparison.regressions.length > 0 ? 1 : 0;
  }
  const rows = comparison.changes.map((c) => [
    `${c.scenario} · ${c.server}`,
    c.metric,
    formatNumber(c.before.median),
    formatNumber(c.after.median),
    `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}%`,
    CHANGE_WORDS[c.verdict],
    c.reason,
  ]);
  io.out.write(`${renderGrid(['scenario · server', 'metric', 'before', 'after', 'change', 'verdict', 'why'], rows)}\n`);
  for (const u of comparison.unmatched) io.out.write(`only in one file: ${u}\n`);
  for (const d of comparison.environmentDifferences) io.out.write(`environment differs, so changes may be the machine's: ${d}\n`);
  io.out.write(`\n${footer(comparison)}\n`);
  return comparison.regressions.length > 0 ? 1 : 0;
}

export const compareCommand = ({ io, setExit }: CommandContext) =>
  new Command('compare')
    .description('what changed between two results.json files, beyond the noise; exits 1 when something regressed')
    .argument('<before>', 'the older results.json')
    .argument('<after>', 'the newer results.json')
    .addOption(new Option('--threshold <pct>', 'smallest change, in percent, that counts').argParser(integer(0, 1000)).default(10))
    .option('--json', 'print the comparison as JSON')
    .action((before: string, after: string, flags: CompareFlags) => setExit(compare(before, after, flags, io)));

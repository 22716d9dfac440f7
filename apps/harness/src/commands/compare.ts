import { Command, Option } from 'commander';
import { compareResults } from '../compare.js';
import { formatNumber } from '../format.js';
import { integer } from '../options.js';
import { renderGrid } from '../render/terminal.js';
import { readResults } from '../results.js';
import type { CommandContext, Io } from './context.js';

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
    c.verdict,
    c.reason,
  ]);
  io.out.write(`${renderGrid(['scenario · server', 'metric', 'before', 'after', 'change', 'verdict', 'why'], rows)}\n`);
  for (const u of comparison.unmatched) io.out.write(`only in one file: ${u}\n`);
  for (const d of comparison.environmentDifferences) io.out.write(`environment differs, so changes may be the machine's: ${d}\n`);
  const counts = (['improved', 'regressed', 'changed', 'unchanged'] as const).map(
    (v) => `${comparison.changes.filter((c) => c.verdict === v).length} ${v}`,
  );
  io.out.write(`\n${counts.join(', ')} (threshold ${flags.threshold}%, noise = overlapping min–max ranges)\n`);
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

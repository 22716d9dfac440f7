import { Command, Option } from 'commander';
import { type Change, type Comparison, compareResults, type Incomplete, type LeftOut } from '../../analysis/compare.js';
import { formatNumber } from '../../analysis/format.js';
import { renderGrid } from '../../render/terminal.js';
import { type Results, readResults, resultsFileOf } from '../../results/results.js';
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

/** The file's `loopbench run …` as it was typed, to run again; without --out, which would write over it. */
function rerunCommand(results: Results): string | undefined {
  const [program, command, ...args] = results.command;
  if (program !== 'loopbench' || command !== 'run') return undefined;
  const kept = args.filter((arg, i) => arg !== '--out' && !arg.startsWith('--out=') && args[i - 1] !== '--out');
  const quoted = kept.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`));
  return ['npx loopbench run', ...quoted].join(' ');
}

/** What to run so that the two files have something to compare. */
function whatToRun(paths: { before: string; after: string }, files: { before: Results; after: Results }): string {
  for (const [again, as] of [
    ['after', 'before'],
    ['before', 'after'],
  ] as const) {
    const command = rerunCommand(files[as]);
    const pair = again === 'after' ? `${paths.before} <its results.json>` : `<its results.json> ${paths.after}`;
    if (command) return `To compare, run again as ${paths[as]} was run: \`${command}\`; then \`npx loopbench compare ${pair}\`.`;
  }
  return 'To compare, run both with the same --servers, --scenario and load options (--quick, --duration, --warmup, --connections, --workers, --rate, --generators, --pin, --host).';
}

const leftOutLine = (l: LeftOut) => `  ${l.scenario} · ${l.servers.join(', ')}: ${l.why}`;

function incompleteLine({ side, missing, interrupted }: Incomplete, path: string): string {
  const what = [
    ...(missing.length > 0 ? [`it lacks ${missing.join(', ')}`] : []),
    ...(interrupted.length > 0 ? [`stopped part-way through ${interrupted.join(', ')} (their last run is left out)`] : []),
  ];
  return `warning: ${path} (${side}) is incomplete: its run was interrupted or is still under way${what.length > 0 ? `; ${what.join(', and ')}` : ''}\n`;
}

function compare(givenBefore: string, givenAfter: string, flags: CompareFlags, io: Io): number {
  const before = resultsFileOf(givenBefore);
  const after = resultsFileOf(givenAfter);
  const files = { before: readResults(before), after: readResults(after) };
  const paths = { before, after };
  const comparison = compareResults(files.before, files.after, flags.threshold);
  for (const incomplete of comparison.incomplete) io.err.write(incompleteLine(incomplete, paths[incomplete.side]));
  if (flags.json) io.out.write(`${JSON.stringify(comparison, null, 2)}\n`);
  if (comparison.changes.length === 0) {
    const lines = [
      `error: nothing to compare: ${before} (before) and ${after} (after) hold no scenario and server measured the same way in both:`,
      ...comparison.leftOut.map(leftOutLine),
      whatToRun(paths, files),
    ];
    io.err.write(`${lines.join('\n')}\n`);
    return 2;
  }
  if (flags.json) return comparison.regressions.length > 0 ? 1 : 0;
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
  if (comparison.leftOut.length > 0) io.out.write(`left out, not compared:\n${comparison.leftOut.map(leftOutLine).join('\n')}\n`);
  for (const d of comparison.environmentDifferences) io.out.write(`environment differs, so changes may be the machine's: ${d}\n`);
  io.out.write(`\n${footer(comparison)}\n`);
  return comparison.regressions.length > 0 ? 1 : 0;
}

export const compareCommand = ({ io, setExit }: CommandContext) =>
  new Command('compare')
    .description(
      'what changed between two results.json files, beyond the noise, in the scenarios both ran the same way; ' +
        'exits 1 when something regressed, 2 when nothing in them can be compared',
    )
    .argument('<before>', 'the older results.json, or the folder it is in')
    .argument('<after>', 'the newer results.json, or the folder it is in')
    .addOption(new Option('--threshold <pct>', 'smallest change, in percent, that counts').argParser(integer(0, 1000)).default(10))
    .option('--json', 'print the comparison as JSON')
    .action((before: string, after: string, flags: CompareFlags) => setExit(compare(before, after, flags, io)));

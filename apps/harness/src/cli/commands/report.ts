import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { writeReports } from '../../render/report.js';
import { readResults, resultsFileOf } from '../../results/results.js';
import { outDirOf, prepareOutDir } from '../../run/outDir.js';
import type { CommandContext, Io } from './context.js';

interface ReportFlags {
  html?: boolean;
  markdown?: boolean;
  out?: string;
}

function report(given: string, flags: ReportFlags, io: Io): number {
  const file = resultsFileOf(given);
  const results = readResults(file);
  const both = !flags.html && !flags.markdown;
  const started = performance.now();
  const outDir = prepareOutDir(outDirOf(flags.out, path.dirname(file), 'to write beside the results file'));
  const written = writeReports(results, outDir, {
    html: both || flags.html === true,
    markdown: both || flags.markdown === true,
  });
  const ms = performance.now() - started;
  for (const target of [written.markdown, written.html]) if (target) io.out.write(`${target}\n`);
  io.err.write(`written in ${ms.toFixed(0)} ms\n`);
  return 0;
}

export const reportCommand = ({ io, setExit }: CommandContext) =>
  new Command('report')
    .description('write report.html and summary.md again from a results.json (its verdicts are worded anew)')
    .argument('<results>', 'a results.json written by loopbench run, or the folder it is in')
    .option('--html', 'write report.html (default: both)')
    .option('--markdown', 'write summary.md (default: both)')
    .option('--out <dir>', 'where to write them (default: beside the results file)')
    .action((file: string, flags: ReportFlags) => setExit(report(file, flags, io)));

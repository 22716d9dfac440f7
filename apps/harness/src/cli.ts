import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { installedVersion, type Model, type ServerPackage, startServer, stopAllServers } from '@loopbench/contract';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { compareResults } from './compare.js';
import { buildServers, discoverServers, findWorkspaceRoot } from './discover.js';
import { collectEnvironment } from './environment.js';
import { formatNumber } from './format.js';
import { isLoopbackHost } from './loopback.js';
import { createProgress } from './progress.js';
import { detectStyle, paint, renderGrid, renderHeader, renderScenario } from './render/terminal.js';
import { writeReports } from './report.js';
import { ResultsFileError, readResults } from './results.js';
import { resultsOptions, runBenchmarks, verifyServer } from './runner.js';
import { ScaffoldError, scaffoldServer } from './scaffold.js';
import { type RunOptions, SCENARIO_ALIASES, SCENARIOS, type Scenario } from './scenarios.js';
import { HEADLINE_SERVERS } from './verdict.js';

/** A mistake in what was typed: exit 2, with what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

export const DEFAULT_OPTIONS: RunOptions = {
  repeats: 3,
  durationS: 2,
  warmupS: 1,
  connections: 10,
  workers: 2,
  ratePerS: 200,
  quick: false,
  pin: false,
  host: '127.0.0.1',
  readyTimeoutS: 15,
};
/** --quick: enough to see every effect, not to quote numbers. */
export const QUICK_OPTIONS: Partial<RunOptions> = { repeats: 2, durationS: 0.35, warmupS: 0.2 };

function integer(min: number, max: number) {
  return (raw: string) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new InvalidArgumentError(`give a whole number from ${min} to ${max}.`);
    }
    return Number(raw);
  };
}

function seconds(min: number, max: number) {
  return (raw: string) => {
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max)
      throw new InvalidArgumentError(`give seconds from ${min} to ${max}, e.g. 3 or 0.5.`);
    return value;
  };
}

function list(raw: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** The servers named by --servers: a comma list, or "all"; default the articles' pair. */
export function selectServers(available: readonly ServerPackage[], names: readonly string[] | undefined): ServerPackage[] {
  if (available.length === 0) throw new UsageError('no server packages found in the workspace (a package.json with a "loopbench" field)');
  if (names === undefined) {
    const headline = available.filter((s) => (HEADLINE_SERVERS as readonly string[]).includes(s.name));
    return headline.length > 0 ? headline : [...available];
  }
  if (names.includes('all')) return [...available];
  return names.map((name) => {
    const found = available.find((s) => s.name === name);
    if (!found) {
      throw new UsageError(
        `unknown server "${name}"; give --servers ${available.map((s) => s.name).join(',')} or --servers all (see loopbench list)`,
      );
    }
    return found;
  });
}

/** The scenarios named by --scenario (ids or aliases), in suite order; default all. */
export function selectScenarios(ids: readonly string[] | undefined): Scenario[] {
  if (ids === undefined || ids.length === 0) return [...SCENARIOS];
  const wanted = new Set<string>();
  for (const id of ids) {
    const expanded = SCENARIO_ALIASES[id] ?? [id];
    for (const one of expanded) {
      if (!SCENARIOS.some((s) => s.id === one)) {
        const known = [...SCENARIOS.map((s) => s.id), ...Object.keys(SCENARIO_ALIASES)].join(', ');
        throw new UsageError(`unknown scenario "${id}"; give one of ${known} (see loopbench list)`);
      }
      wanted.add(one);
    }
  }
  return SCENARIOS.filter((s) => wanted.has(s.id));
}

export interface RunFlags {
  scenario?: string[];
  servers?: string[];
  repeats?: number;
  duration?: number;
  warmup?: number;
  connections?: number;
  workers?: number;
  rate?: number;
  quick?: boolean;
  pin?: boolean;
  host?: string;
  allowNonLoopback?: boolean;
  readyTimeout?: number;
}

/** Defaults, then --quick's, then what was typed. */
export function resolveOptions(flags: RunFlags): RunOptions {
  const quick = flags.quick === true;
  const base = { ...DEFAULT_OPTIONS, ...(quick ? QUICK_OPTIONS : {}) };
  return {
    repeats: flags.repeats ?? base.repeats,
    durationS: flags.duration ?? base.durationS,
    warmupS: flags.warmup ?? base.warmupS,
    connections: flags.connections ?? base.connections,
    workers: flags.workers ?? base.workers,
    ratePerS: flags.rate ?? base.ratePerS,
    quick,
    pin: flags.pin === true,
    host: checkedHost(flags.host ?? base.host, flags.allowNonLoopback === true),
    readyTimeoutS: flags.readyTimeout ?? base.readyTimeoutS,
  };
}

/** Load goes to this machine only, unless the user says otherwise in so many words. */
function checkedHost(host: string, allowNonLoopback: boolean): string {
  if (!isLoopbackHost(host) && !allowNonLoopback) {
    throw new UsageError(
      `--host ${host} is not a loopback address; loopbench sends load only to 127.0.0.1 or ::1 unless you add --allow-non-loopback`,
    );
  }
  return host;
}

function checkPinning(): void {
  if (process.platform !== 'linux') throw new UsageError('--pin works on Linux only (it uses taskset); run without --pin');
  if (os.availableParallelism() < 2) throw new UsageError('--pin needs at least 2 cores; run without --pin');
  if (!['/usr/bin/taskset', '/bin/taskset'].some(existsSync))
    throw new UsageError('--pin needs taskset (Debian: apt-get install util-linux); run without --pin');
}

/** --workspace, or the workspace this loopbench is installed in. */
function workspaceRoot(dir: string | undefined): string {
  if (dir === undefined) return findWorkspaceRoot();
  if (!existsSync(path.join(dir, 'package.json')))
    throw new UsageError(`--workspace ${dir} has no package.json; give the folder of a workspace's root package.json`);
  return findWorkspaceRoot(dir);
}

function timestamp(): string {
  return new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
}

interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

/** The exit code of a run stopped by a signal, as shells report it. */
const signalExitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);

async function runCommand(
  flags: RunFlags & { out?: string; json?: boolean; build: boolean; workspace?: string; strict?: boolean },
  io: Io,
  argv: readonly string[],
): Promise<number> {
  const root = workspaceRoot(flags.workspace);
  const discovery = discoverServers(root);
  for (const problem of discovery.problems) io.err.write(`warning: ${problem}\n`);
  const servers = selectServers(discovery.servers, flags.servers);
  const scenarios = selectScenarios(flags.scenario);
  const options = resolveOptions(flags);
  if (options.pin) checkPinning();
  const outDir = path.resolve(flags.out ?? path.join(root, 'results', timestamp()));
  if (flags.build) buildServers(root, servers);

  const autocannonVersion = installedVersion('autocannon', path.dirname(fileURLToPath(import.meta.url))) ?? 'unknown';
  const environment = collectEnvironment(root, servers, options.pin, autocannonVersion);
  if (options.pin) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });

  const style = detectStyle(io.out);
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      io.err.write(`\n${signal} again: stopping at once\n`);
      process.exit(signalExitCode(signal));
    }
    interrupted = signal;
    io.err.write(`\n${signal}: stopping every server and keeping the results so far (again to quit at once)\n`);
    controller.abort();
    void stopAllServers(2_000);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const progress = createProgress(io.err, (scenario) => {
    if (!flags.json) io.out.write(`\n${renderScenario(scenario, style)}\n`);
  });
  try {
    const plan = { scenarios, servers, options, outDir, command: ['loopbench', ...argv], environment, signal: controller.signal };
    if (!flags.json) io.out.write(`${renderHeader(environment, resultsOptions(plan))}\n`);
    const results = await runBenchmarks(plan, progress);
    progress.close();
    writeReports(results, outDir, { html: true, markdown: true });
    if (flags.json) io.out.write(`${JSON.stringify(results, null, 2)}\n`);
    const invalid = results.scenarios.filter((s) => !s.valid).map((s) => s.id);
    const failed = [...new Set(results.scenarios.flatMap((s) => s.results.filter((r) => r.failed).map((r) => r.server)))];
    if (invalid.length > 0)
      io.err.write(`\n${invalid.length} scenario(s) invalid: ${invalid.join(', ')} (problems are listed under each table)\n`);
    io.err.write(`\nresults: ${path.relative(process.cwd(), outDir) || '.'}/ results.json, summary.md and report.html\n`);
    if (!flags.json) io.out.write(`${outDir}\n`);
    if (interrupted) return signalExitCode(interrupted);
    if (failed.length > 0) io.err.write(`failed: ${failed.join(', ')} did not start or did not survive a run\n`);
    return failed.length > 0 || (flags.strict && invalid.length > 0) ? 1 : 0;
  } finally {
    progress.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAllServers(2_000);
  }
}

async function verifyCommand(
  flags: { servers?: string[]; build: boolean; workspace?: string; readyTimeout?: number },
  io: Io,
): Promise<number> {
  const root = workspaceRoot(flags.workspace);
  const discovery = discoverServers(root);
  const servers = selectServers(discovery.servers, flags.servers);
  if (flags.build) buildServers(root, servers);
  const style = detectStyle(io.out);
  let failed = 0;
  for (const server of servers) {
    let problems: string[];
    try {
      const running = await startServer(server, { readyTimeoutMs: (flags.readyTimeout ?? DEFAULT_OPTIONS.readyTimeoutS) * 1000 });
      try {
        problems = await verifyServer(running.url);
      } finally {
        await running.stop();
      }
    } catch (error) {
      problems = [(error as Error).message];
    }
    if (problems.length > 0) failed += 1;
    const mark = problems.length === 0 ? paint(style, 'green', '✓') : paint(style, 'red', '✗');
    io.out.write(`${mark} ${server.name} (${server.model})${problems.length === 0 ? ': every route answers as the contract says' : ''}\n`);
    for (const problem of problems) io.out.write(`    ${problem}\n`);
  }
  return failed > 0 ? 1 : 0;
}

function listCommand(flags: { json?: boolean; workspace?: string }, io: Io): number {
  const discovery = discoverServers(workspaceRoot(flags.workspace));
  if (flags.json) {
    io.out.write(
      `${JSON.stringify(
        {
          servers: discovery.servers.map(({ name, model, analogue, packageName, framework, frameworkVersion }) => ({
            name,
            model,
            analogue,
            packageName,
            framework,
            frameworkVersion,
          })),
          scenarios: SCENARIOS.map(({ id, title, claim }) => ({ id, title, claim })),
          problems: discovery.problems,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  io.out.write('Servers (from the workspace):\n\n');
  io.out.write(
    `${renderGrid(
      ['name', 'model', 'stands for', 'package'],
      discovery.servers.map((s) => [
        s.name,
        s.model,
        s.analogue,
        `${s.packageName}${s.frameworkVersion ? ` (${s.framework} ${s.frameworkVersion})` : ''}`,
      ]),
    )}\n\nScenarios:\n\n`,
  );
  io.out.write(
    `${renderGrid(
      ['id', 'what it runs'],
      SCENARIOS.map((s) => [s.id, s.title]),
    )}\n`,
  );
  const aliases = Object.entries(SCENARIO_ALIASES).map(([alias, ids]) => `"${alias}" selects ${ids.join(' and ')}`);
  io.out.write(`\n${aliases.join('; ')}. Default servers: ${HEADLINE_SERVERS.join(', ')}.\n`);
  for (const problem of discovery.problems) io.out.write(`warning: ${problem}\n`);
  return 0;
}

function newCommand(name: string, flags: { model: string; analogue?: string; workspace?: string }, io: Io): number {
  const root = workspaceRoot(flags.workspace);
  try {
    const dir = scaffoldServer({ root, name, model: flags.model as Model, analogue: flags.analogue ?? '' });
    const pkg = `@loopbench/server-${name}`;
    io.out.write(
      `created ${path.relative(process.cwd(), dir) || dir}\n\nnext:\n  npm install                         # link the new workspace package\n  npm test --workspace ${pkg}   # the conformance suite\n  npx loopbench verify --servers ${name}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ScaffoldError) throw new UsageError(error.message);
    throw error;
  }
}

function reportCommand(file: string, flags: { html?: boolean; markdown?: boolean; out?: string }, io: Io): number {
  const results = readResults(file);
  const both = !flags.html && !flags.markdown;
  const started = performance.now();
  const written = writeReports(results, path.resolve(flags.out ?? path.dirname(file)), {
    html: both || flags.html === true,
    markdown: both || flags.markdown === true,
  });
  const ms = performance.now() - started;
  for (const target of [written.markdown, written.html]) if (target) io.out.write(`${target}\n`);
  io.err.write(`written in ${ms.toFixed(0)} ms\n`);
  return 0;
}

function compareCommand(before: string, after: string, flags: { threshold: number; json?: boolean }, io: Io): number {
  const comparison = compareResults(readResults(before), readResults(after), flags.threshold);
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

function readyTimeoutOption(): Option {
  return new Option(
    '--ready-timeout <s>',
    `seconds a server may take to print its ready line (default ${DEFAULT_OPTIONS.readyTimeoutS})`,
  ).argParser(seconds(1, 600));
}

export function buildProgram(io: Io, setExit: (code: number) => void, argv: readonly string[] = []): Command {
  const program = new Command('loopbench')
    .description('Runs the same scenarios against a blocking and a non-blocking server and reports the difference.')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });

  program
    .command('list')
    .description('list the servers found in the workspace and the scenarios')
    .option('--json', 'print as JSON')
    .option('--workspace <dir>', 'the workspace to look in (default: the one loopbench belongs to)')
    .action((flags) => setExit(listCommand(flags, io)));

  program
    .command('verify')
    .description("start each server and check every route's status and body against the contract")
    .option('--servers <names>', 'comma-separated server names, or "all" (default: express-blocking,koa)', list)
    .addOption(readyTimeoutOption())
    .option('--workspace <dir>', 'the workspace to look in (default: the one loopbench belongs to)')
    .option('--no-build', 'do not build the server packages first')
    .action(async (flags) => setExit(await verifyCommand(flags, io)));

  program
    .command('run')
    .description('run scenarios against the servers, print a table per scenario, write results.json and summary.md')
    .option('--scenario <ids...>', `scenarios to run, by id (${SCENARIOS.map((s) => s.id).join(', ')}) or "workers" (default: all)`, list)
    .option('--servers <names>', 'comma-separated server names, or "all" (default: express-blocking,koa)', list)
    .addOption(
      new Option(
        '--repeats <n>',
        `measured runs per server (default ${DEFAULT_OPTIONS.repeats}; --quick ${QUICK_OPTIONS.repeats})`,
      ).argParser(integer(1, 100)),
    )
    .addOption(
      new Option(
        '--duration <s>',
        `seconds per closed-loop run (default ${DEFAULT_OPTIONS.durationS}; --quick ${QUICK_OPTIONS.durationS})`,
      ).argParser(seconds(0.2, 600)),
    )
    .addOption(
      new Option(
        '--warmup <s>',
        `seconds of load at the start of each run that are not measured (default ${DEFAULT_OPTIONS.warmupS}; --quick ${QUICK_OPTIONS.warmupS})`,
      ).argParser(seconds(0, 60)),
    )
    .addOption(
      new Option('--connections <c>', `closed-loop connections (default ${DEFAULT_OPTIONS.connections})`).argParser(integer(1, 1000)),
    )
    .addOption(
      new Option('--workers <n>', `processes per server in the workers scenarios (default ${DEFAULT_OPTIONS.workers})`).argParser(
        integer(1, 64),
      ),
    )
    .addOption(
      new Option('--rate <n>', `requests per second in the open-loop scenarios (default ${DEFAULT_OPTIONS.ratePerS})`).argParser(
        integer(1, 20_000),
      ),
    )
    .option('--quick', 'short runs: every effect visible in about 30 s, not numbers to quote')
    .option('--pin', 'Linux: load generator on core 0, servers on the other cores (taskset)')
    .option('--out <dir>', 'where to write results.json and summary.md (default results/<timestamp>/)')
    .option('--json', 'print results.json to stdout instead of tables')
    .option('--strict', 'exit 1 when any run was invalid, not only when a server failed')
    .option('--host <addr>', `where servers listen and load goes (default ${DEFAULT_OPTIONS.host}; loopback only)`)
    .option('--allow-non-loopback', 'allow a --host that is not 127.0.0.0/8 or ::1')
    .addOption(readyTimeoutOption())
    .option('--workspace <dir>', 'the workspace to look in (default: the one loopbench belongs to)')
    .option('--no-build', 'do not build the server packages first')
    .action(async (flags) => setExit(await runCommand(flags, io, argv)));

  program
    .command('new')
    .description('create packages/server-NAME: a server that passes the conformance suite, to turn into your framework')
    .argument('<name>', 'the server name, e.g. sanic-like (the package is @loopbench/server-NAME)')
    .requiredOption('--analogue <text>', 'the Python setup it stands for, e.g. "Sanic on its own server"')
    .addOption(new Option('--model <model>', 'how it waits').choices(['non-blocking', 'blocking']).default('non-blocking'))
    .option('--workspace <dir>', 'the workspace to add it to (default: the one loopbench belongs to)')
    .action((name, flags) => setExit(newCommand(name, flags, io)));

  program
    .command('report')
    .description('write report.html and summary.md again from a results.json')
    .argument('<results>', 'a results.json written by loopbench run')
    .option('--html', 'write report.html (default: both)')
    .option('--markdown', 'write summary.md (default: both)')
    .option('--out <dir>', 'where to write them (default: beside the results file)')
    .action((file, flags) => setExit(reportCommand(file, flags, io)));

  program
    .command('compare')
    .description('what changed between two results.json files, beyond the noise; exits 1 when something regressed')
    .argument('<before>', 'the older results.json')
    .argument('<after>', 'the newer results.json')
    .addOption(
      new Option('--threshold <pct>', 'smallest change, in percent, that counts (default 10)').argParser(integer(0, 1000)).default(10),
    )
    .option('--json', 'print the comparison as JSON')
    .action((before, after, flags) => setExit(compareCommand(before, after, flags, io)));

  return program;
}

/** Parses argv and runs a command; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code = 0;
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    argv,
  );
  for (const sub of program.commands) {
    sub.exitOverride().showHelpAfterError(`(run loopbench ${sub.name()} --help for every option)`);
    sub.configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });
  }
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; every other parse failure is a usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof ResultsFileError) {
      io.err.write(`error: ${error.message}\n`);
      return 2;
    }
    io.err.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion, type ServerPackage, stopAllServers } from '@loopbench/contract';
import { Command, Option } from 'commander';
import { claimsTable } from '../../analysis/claims.js';
import { HEADLINE_SERVERS, SCENARIO_ALIASES, type Scenario } from '../../catalogue/scenarios.js';
import { ALL_SCENARIOS, SUITE_NAMES, type SuiteName, suiteServers, usesDatabase } from '../../catalogue/suites.js';
import { type LocustSettings, locustAvailability } from '../../measure/locust.js';
import { MAX_GENERATORS, stopGenerators, useLocust } from '../../measure/pool.js';
import { writeReports } from '../../render/report.js';
import { detectStyle, renderClaims, renderHeader, renderScenario } from '../../render/terminal.js';
import { databaseAvailability, openDatabase, type RunDatabase } from '../../run/database.js';
import { buildServers, discoverServers, workspaceRoot } from '../../run/discover.js';
import { collectEnvironment } from '../../run/environment.js';
import { UsageError } from '../../run/errors.js';
import { isLoopbackHost } from '../../run/loopback.js';
import {
  DEFAULT_OPTIONS,
  integer,
  list,
  loopbackOnly,
  QUICK_OPTIONS,
  type RunFlags,
  type RunOptions,
  resolveOptions,
  seconds,
  shared,
} from '../../run/options.js';
import { outDirOf, prepareOutDir } from '../../run/outDir.js';
import { checkPinning, pinHarness } from '../../run/pinning.js';
import { lockOutDir, registerRun } from '../../run/runLock.js';
import { resultsOptions, runBenchmarks } from '../../run/runner.js';
import { selectScenarios, selectServers, unavailableWanted, withDatabase } from '../../run/select.js';
import { createProgress } from '../progress.js';
import type { CommandContext, Io } from './context.js';

interface Flags extends RunFlags {
  suite?: SuiteName;
  out?: string;
  json?: boolean;
  build: boolean;
  workspace?: string;
  strict?: boolean;
  databaseUrl?: string;
  locustBind?: string;
  locustPort?: number;
  locustRemote?: boolean;
  locustWait?: number;
}

function timestamp(): string {
  return new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
}

/** The exit code of a run stopped by a signal, as shells report it. */
const signalExitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);

async function run(flags: Flags, io: Io, argv: readonly string[]): Promise<number> {
  const root = workspaceRoot(flags.workspace);
  const discovery = discoverServers(root);
  for (const problem of discovery.problems) io.err.write(`warning: ${problem}\n`);
  const suite = flags.suite ?? 'default';
  const defaults = suiteServers(suite, HEADLINE_SERVERS);
  const servers = selectServers(discovery, flags.servers, defaults);
  for (const line of unavailableWanted(discovery, flags.servers, defaults)) io.err.write(`left out, unavailable here: ${line}\n`);
  const selection = withDatabase(selectScenarios(flags.scenario, suite), {
    named: flags.scenario !== undefined,
    unavailable: databaseAvailability(flags.databaseUrl),
  });
  for (const line of selection.leftOut) io.err.write(`left out, unavailable here: ${line}\n`);
  const { scenarios } = selection;
  const options = resolveOptions(flags);
  const strayLocustFlags = (['locustBind', 'locustPort', 'locustRemote', 'locustWait'] as const).filter(
    (flag) => flags[flag] !== undefined,
  );
  if (options.generator !== 'locust' && strayLocustFlags.length > 0) {
    const named = strayLocustFlags.map((flag) => `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(
      `${named.join(', ')} only ${named.length === 1 ? 'applies' : 'apply'} with --generator locust; add it, or leave ${named.length === 1 ? 'it' : 'them'} out`,
    );
  }
  const locust = options.generator === 'locust' ? locustSettings(flags, options, io) : undefined;
  const needsDatabase = scenarios.some(usesDatabase);
  if (flags.databaseUrl !== undefined && !needsDatabase) {
    io.err.write('warning: --database-url is not used: none of the selected scenarios queries a database (--suite database does)\n');
  }
  // A given database is checked before anything is written: unreachable is a usage error naming it.
  const given = needsDatabase && flags.databaseUrl !== undefined ? await openDatabase(flags.databaseUrl) : undefined;
  if (options.pin) checkPinning();
  const outDir = prepareOutDir(outDirOf(flags.out, path.join(root, 'results', timestamp()), 'for results/<timestamp>/'));
  const releaseOutDir = lockOutDir(outDir);
  const registration = registerRun();
  for (const other of registration.others) {
    io.err.write(
      `warning: another loopbench run (pid ${other}) is measuring on this machine: both share its cores, so neither's numbers are to be trusted\n`,
    );
  }
  try {
    return await measure(flags, io, argv, {
      root,
      servers,
      scenarios,
      options,
      outDir,
      otherRuns: registration.overlapping,
      database: needsDatabase ? (given ?? 'embedded') : undefined,
      locust,
    });
  } finally {
    // The first of two runs learns of the second only now: say so here too (results.json has it).
    for (const other of registration.overlapping().filter((pid) => !registration.others.includes(pid))) {
      io.err.write(
        `warning: another loopbench run (pid ${other}) measured on this machine during this run: both shared its cores, so neither's numbers are to be trusted (results.json records it)\n`,
      );
    }
    registration.release();
    releaseOutDir();
  }
}

/** What a run measures, once every option has been checked. */
interface Selected {
  root: string;
  servers: ServerPackage[];
  scenarios: Scenario[];
  options: RunOptions;
  outDir: string;
  otherRuns: () => readonly number[];
  /** The database the scenarios on /query wait in: a given one, checked; 'embedded', started in measure(); absent when none runs. */
  database: RunDatabase | 'embedded' | undefined;
  /** With --generator locust: its master and workers, and Locust's version. */
  locust: { settings: LocustSettings; version: string } | undefined;
}

/** --generator locust's settings, checked: Locust installed, the master's address loopback unless allowed. */
function locustSettings(flags: Flags, options: RunOptions, io: Io): { settings: LocustSettings; version: string } {
  const availability = locustAvailability();
  if (!availability.available) {
    throw new UsageError(
      `--generator locust: ${availability.reason}; install it with: ${availability.install}, or leave out --generator for the built-in one`,
    );
  }
  const bindHost = flags.locustBind ?? '127.0.0.1';
  // Locust's ZeroMQ sockets here take an IPv4 address only (no ::1, no names).
  if (!net.isIPv4(bindHost)) {
    throw new UsageError(
      `--locust-bind ${bindHost}: give an IPv4 address, e.g. 127.0.0.1 or 10.0.0.5 (Locust's master cannot listen on IPv6 or a name)`,
    );
  }
  if (bindHost === '0.0.0.0') {
    throw new UsageError('--locust-bind 0.0.0.0: give the one address the worker hosts reach this host by, which their command line names');
  }
  loopbackOnly('--locust-bind', bindHost, flags.allowNonLoopback === true, 'the Locust master listens on 127.0.0.1');
  const remote = flags.locustRemote === true;
  if (remote && isLoopbackHost(bindHost)) {
    io.err.write(
      `warning: --locust-remote with the master on ${bindHost}: only workers on this machine can reach it; give --locust-bind an address the worker hosts can reach (and --allow-non-loopback)\n`,
    );
  }
  return {
    version: availability.version,
    settings: {
      workers: options.generators,
      bindHost,
      // Workers on other hosts need a port known before the run: Locust's own default.
      ...(flags.locustPort !== undefined || remote ? { port: flags.locustPort ?? 5557 } : {}),
      localWorkers: !remote,
      connectTimeoutS: flags.locustWait ?? (remote ? 120 : 30),
      onWaiting: (command) =>
        io.err.write(
          `locust: waiting for ${options.generators} worker(s); on each worker host run (with the locustfile copied there):\n  ${command}\n`,
        ),
    },
  };
}

async function measure(
  flags: Flags,
  io: Io,
  argv: readonly string[],
  { root, servers, scenarios, options, outDir, otherRuns, database: wanted, locust }: Selected,
): Promise<number> {
  if (flags.build) buildServers(root, servers);

  const autocannonVersion = installedVersion('autocannon', path.dirname(fileURLToPath(import.meta.url))) ?? 'unknown';
  const environment = collectEnvironment(root, servers, options.pin, {
    autocannonVersion,
    generators: options.generators,
    kinds: scenarios.map((scenario) => scenario.kind),
    ...(locust ? { locustVersion: locust.version } : {}),
  });
  // Known at the start by the later of two runs: its header says so too.
  if (otherRuns().length > 0) environment.otherRuns = [...otherRuns()];
  if (options.pin) pinHarness();

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
  let database: RunDatabase | undefined;
  try {
    if (wanted === 'embedded') {
      io.err.write('database: starting a throwaway PostgreSQL cluster\n');
      database = await openDatabase(undefined);
      io.err.write(`database: PostgreSQL ${database.record.serverVersion}, ${database.describe}, stopped and deleted at the end\n`);
    } else database = wanted;
    if (database) environment.database = database.record;
    if (locust) {
      const { workers, localWorkers, bindHost } = locust.settings;
      io.err.write(`locust: starting a master on ${bindHost}${localWorkers ? ` and ${workers} worker(s) here` : ''}\n`);
      // Workers that never connected: what to run on each worker host is the message.
      await useLocust(locust.settings).catch((error: Error) => {
        throw new UsageError(error.message);
      });
      io.err.write(`locust: ${workers} worker(s) connected\n`);
    }
    const plan = {
      scenarios,
      servers,
      options,
      outDir,
      command: ['loopbench', ...argv],
      environment,
      otherRuns,
      signal: controller.signal,
      ...(database ? { database } : {}),
    };
    if (!flags.json)
      io.out.write(
        `${renderHeader(
          environment,
          resultsOptions(plan),
          plan.scenarios.map((s) => s.id),
        )}\n`,
      );
    const results = await runBenchmarks(plan, progress);
    progress.close();
    const claims = claimsTable(results);
    if (claims.length > 0 && !flags.json)
      io.out.write(`\n${renderClaims(claims, style, Math.max(60, Math.min(io.out.columns ?? 100, 120)))}\n`);
    writeReports(results, outDir, { html: true, markdown: true });
    if (flags.json) io.out.write(`${JSON.stringify(results, null, 2)}\n`);
    const invalid = results.scenarios.filter((s) => !s.valid).map((s) => s.id);
    const failed = [...new Set(results.scenarios.flatMap((s) => s.results.filter((r) => r.failed).map((r) => r.server)))];
    if (invalid.length > 0)
      io.err.write(`\n${invalid.length} scenario(s) invalid: ${invalid.join(', ')} (problems are listed under each table)\n`);
    io.err.write(`\nresults: ${outDir}/ results.json, summary.md and report.html\n`);
    if (!flags.json) io.out.write(`${outDir}\n`);
    if (interrupted) return signalExitCode(interrupted);
    if (failed.length > 0) io.err.write(`failed: ${failed.join(', ')} did not start or did not survive a run\n`);
    return failed.length > 0 || (flags.strict && invalid.length > 0) ? 1 : 0;
  } finally {
    progress.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all([stopAllServers(2_000), stopGenerators()]);
    // After the servers: they hold its connections. The reaper deletes it if this process is killed first.
    await database?.close();
  }
}

const scenarioNames = [...ALL_SCENARIOS.map((s) => s.id), ...Object.keys(SCENARIO_ALIASES).map((a) => `"${a}"`)].join(', ');

export const runCommand = ({ io, setExit, argv }: CommandContext) =>
  new Command('run')
    .description('run scenarios against the servers, print a table per scenario, write results.json, summary.md and report.html')
    .addOption(
      new Option(
        '--suite <name>',
        "the default scenarios; the articles' own experiments and the claims table; or the database's (/query: a throwaway PostgreSQL, or --database-url)",
      )
        .choices(SUITE_NAMES)
        .default('default'),
    )
    .option('--scenario <ids...>', `scenarios to run, by id or alias (${scenarioNames}; default: the whole suite)`, list)
    .addOption(shared.servers())
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
    .addOption(
      new Option(
        '--generators <n>',
        `load generator processes per run (Locust workers with --generator locust), each sending a share of the connections or the plan; their histograms add (default ${DEFAULT_OPTIONS.generators})`,
      ).argParser(integer(1, MAX_GENERATORS)),
    )
    .addOption(
      new Option('--generator <name>', 'what sends the load: the built-in generator processes, or Locust workers (docs/distributed.md)')
        .choices(['built-in', 'locust'])
        .default('built-in'),
    )
    .option(
      '--locust-bind <addr>',
      'with --generator locust: the address its master listens on for workers (default 127.0.0.1; loopback only)',
    )
    .addOption(
      new Option(
        '--locust-port <port>',
        "with --generator locust: its master's port (default a free one; 5557 with --locust-remote)",
      ).argParser(integer(1, 65_535)),
    )
    .option(
      '--locust-remote',
      'with --generator locust: start no workers here; print the command to run on each worker host, and wait for them',
    )
    .addOption(
      new Option(
        '--locust-wait <s>',
        'with --generator locust: seconds to wait for every worker to connect (default 30; 120 with --locust-remote)',
      ).argParser(seconds(1, 3600)),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the order the servers run in each repeat (default: a new one, recorded in results.json)').argParser(
        integer(0, 2 ** 31 - 1),
      ),
    )
    .option('--quick', 'short runs: every effect visible in under 25 s, not numbers to quote')
    .option('--pin', 'Linux: load generator on core 0, servers on the other cores (taskset)')
    .option('--out <dir>', 'where to write results.json, summary.md and report.html (default results/<timestamp>/)')
    .addOption(shared.json('print results.json to stdout instead of tables'))
    .option('--strict', 'exit 1 when any run was invalid, not only when a server failed')
    .option('--host <addr>', `where servers listen and load goes (default ${DEFAULT_OPTIONS.host}; loopback only)`)
    .option('--allow-non-loopback', 'allow a --host that is not 127.0.0.0/8 or ::1')
    .addOption(shared.databaseUrl())
    .addOption(shared.readyTimeout())
    .addOption(shared.workspace())
    .addOption(shared.noBuild())
    .action(async (flags: Flags) => setExit(await run(flags, io, argv)));

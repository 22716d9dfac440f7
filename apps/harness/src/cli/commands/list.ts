import type { ServerPackage } from '@loopbench/contract';
import { Command } from 'commander';
import { HEADLINE_SERVERS, SCENARIO_ALIASES } from '../../catalogue/scenarios.js';
import { SUITE_NAMES, SUITES, usesDatabase } from '../../catalogue/suites.js';
import { locustAvailability } from '../../measure/locust.js';
import { wrap } from '../../render/terminal.js';
import { databaseAvailability, openDatabase } from '../../run/database.js';
import { discoverServers, workspaceRoot } from '../../run/discover.js';
import { shared } from '../../run/options.js';
import type { CommandContext, Io } from './context.js';

/** The load generators --generator takes, and whether each can run here. */
interface GeneratorListing {
  name: string;
  about: string;
  available: boolean;
  reason?: string;
  install?: string;
}

function generators(): GeneratorListing[] {
  const locust = locustAvailability();
  return [
    {
      name: 'built-in',
      available: true,
      about: 'the default: autocannon and loopbench’s open-loop generator, in generator processes on this machine',
    },
    {
      name: 'locust',
      about: `Locust${locust.available ? ` ${locust.version}` : ''} workers, here or on other hosts, each timing every request itself (docs/distributed.md)`,
      ...(locust.available ? { available: true } : { available: false, reason: locust.reason, install: locust.install }),
    },
  ];
}

interface ListFlags {
  json?: boolean;
  workspace?: string;
  databaseUrl?: string;
}

async function list(flags: ListFlags, io: Io): Promise<number> {
  const discovery = discoverServers(workspaceRoot(flags.workspace));
  // The scenarios on /query: unavailable without PostgreSQL's binaries; a given database must answer.
  const noDatabase = databaseAvailability(flags.databaseUrl);
  const given = flags.databaseUrl === undefined ? undefined : await openDatabase(flags.databaseUrl);
  const database = given
    ? `they wait in ${given.describe} (PostgreSQL ${given.record.serverVersion})`
    : noDatabase
      ? undefined
      : 'they wait in a throwaway PostgreSQL cluster that run starts, and deletes at the end (or --database-url)';
  await given?.close();
  if (flags.json) {
    const describe = ({
      name,
      model,
      poolSize,
      database,
      analogue,
      packageName,
      framework,
      frameworkVersion,
      exceptions,
    }: ServerPackage) => ({
      name,
      model,
      ...(poolSize === undefined ? {} : { poolSize }),
      ...(database === undefined ? {} : { database }),
      analogue,
      packageName,
      framework,
      frameworkVersion,
      exceptions: exceptions ?? {},
    });
    const servers = [
      ...discovery.servers.map((s) => ({ ...describe(s), available: true })),
      ...discovery.unavailable.map(({ server, reason, install }) => ({ ...describe(server), available: false, reason, install })),
    ];
    const scenarios = SUITE_NAMES.flatMap((suite) =>
      SUITES[suite].map((scenario) => {
        const { id, kind, title, claim, servers } = scenario;
        const unavailable = usesDatabase(scenario) && noDatabase ? { available: false, ...noDatabase } : {};
        return { id, suite, kind, title, claim, ...(servers ? { servers } : {}), ...unavailable };
      }),
    );
    io.out.write(`${JSON.stringify({ servers, scenarios, generators: generators(), problems: discovery.problems }, null, 2)}\n`);
    return 0;
  }
  // One block per server and per scenario, folded to the terminal: a table of them was 244 columns wide.
  const width = Math.max(60, Math.min(io.out.columns ?? 80, 100));
  io.out.write('Servers (from the workspace):\n\n');
  const model = (s: ServerPackage) => (s.poolSize === undefined ? s.model : `${s.model}, ${s.poolSize} threads`);
  for (const s of discovery.servers) {
    const pkg = `${s.packageName}${s.frameworkVersion ? `, ${s.framework} ${s.frameworkVersion}` : ''}`;
    io.out.write(`${s.name} (${model(s)})\n${wrap(`stands for ${s.analogue}`, width, '    ')}\n${wrap(pkg, width, '    ')}\n`);
    if (s.database)
      io.out.write(
        `${wrap(`database: ${s.database.driver}${s.database.pool === undefined ? '' : `; pool ${s.database.pool}`}`, width, '    ')}\n`,
      );
    for (const [name, reason] of Object.entries(s.exceptions ?? {}))
      io.out.write(`${wrap(`exception "${name}": ${reason}`, width, '    ')}\n`);
  }
  for (const { server: s, reason, install } of discovery.unavailable) {
    io.out.write(`${s.name} (${model(s)}): UNAVAILABLE\n${wrap(`stands for ${s.analogue}`, width, '    ')}\n`);
    io.out.write(`${wrap(reason, width, '    ')}\n${wrap(`install with: ${install}`, width, '    ')}\n`);
  }
  for (const suite of SUITE_NAMES) {
    io.out.write(`\nScenarios of the ${suite} suite${suite === 'default' ? '' : ` (run --suite ${suite})`}:\n\n`);
    if (SUITES[suite].every(usesDatabase) && database) io.out.write(`${wrap(`(${database})`, width)}\n`);
    for (const s of SUITES[suite]) {
      const about = s.servers ? wrap(`about ${s.servers.join(', ')}`, width, '    ') : '';
      const unavailable = usesDatabase(s) && noDatabase;
      io.out.write(
        `${s.id} (${s.kind})${unavailable ? ': UNAVAILABLE' : ''}\n${wrap(s.title, width, '    ')}\n${about ? `${about}\n` : ''}`,
      );
      if (unavailable)
        io.out.write(`${wrap(noDatabase.reason, width, '    ')}\n${wrap(`install with: ${noDatabase.install}`, width, '    ')}\n`);
    }
  }
  io.out.write('\nLoad generators (run --generator NAME):\n\n');
  for (const g of generators()) {
    io.out.write(`${g.name}${g.available ? '' : ': UNAVAILABLE'}\n${wrap(g.about, width, '    ')}\n`);
    if (g.reason && g.install) io.out.write(`${wrap(g.reason, width, '    ')}\n${wrap(`install with: ${g.install}`, width, '    ')}\n`);
  }
  const aliases = Object.entries(SCENARIO_ALIASES).map(([alias, ids]) => `"${alias}" selects ${ids.join(' and ')}`);
  io.out.write(`\n${wrap(`${aliases.join('; ')}. Default servers: ${HEADLINE_SERVERS.join(', ')}.`, width)}\n`);
  for (const problem of discovery.problems) io.out.write(`warning: ${problem}\n`);
  return 0;
}

export const listCommand = ({ io, setExit }: CommandContext) =>
  new Command('list')
    .description('list the servers found in the workspace and the scenarios')
    .addOption(shared.json())
    .addOption(shared.workspace())
    .addOption(shared.databaseUrl('the database the scenarios on /query would wait in: checked that it answers'))
    .action(async (flags: ListFlags) => setExit(await list(flags, io)));

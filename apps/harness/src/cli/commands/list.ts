import type { ServerPackage } from '@loopbench/contract';
import { Command } from 'commander';
import { HEADLINE_SERVERS, SCENARIO_ALIASES } from '../../catalogue/scenarios.js';
import { SUITE_NAMES, SUITES } from '../../catalogue/suites.js';
import { wrap } from '../../render/terminal.js';
import { discoverServers, workspaceRoot } from '../../run/discover.js';
import { shared } from '../../run/options.js';
import type { CommandContext, Io } from './context.js';

interface ListFlags {
  json?: boolean;
  workspace?: string;
}

function list(flags: ListFlags, io: Io): number {
  const discovery = discoverServers(workspaceRoot(flags.workspace));
  if (flags.json) {
    const describe = ({ name, model, poolSize, analogue, packageName, framework, frameworkVersion, exceptions }: ServerPackage) => ({
      name,
      model,
      ...(poolSize === undefined ? {} : { poolSize }),
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
      SUITES[suite].map(({ id, kind, title, claim, servers }) => ({ id, suite, kind, title, claim, ...(servers ? { servers } : {}) })),
    );
    io.out.write(`${JSON.stringify({ servers, scenarios, problems: discovery.problems }, null, 2)}\n`);
    return 0;
  }
  // One block per server and per scenario, folded to the terminal: a table of them was 244 columns wide.
  const width = Math.max(60, Math.min(io.out.columns ?? 80, 100));
  io.out.write('Servers (from the workspace):\n\n');
  const model = (s: ServerPackage) => (s.poolSize === undefined ? s.model : `${s.model}, ${s.poolSize} threads`);
  for (const s of discovery.servers) {
    const pkg = `${s.packageName}${s.frameworkVersion ? `, ${s.framework} ${s.frameworkVersion}` : ''}`;
    io.out.write(`${s.name} (${model(s)})\n${wrap(`stands for ${s.analogue}`, width, '    ')}\n${wrap(pkg, width, '    ')}\n`);
    for (const [name, reason] of Object.entries(s.exceptions ?? {}))
      io.out.write(`${wrap(`exception "${name}": ${reason}`, width, '    ')}\n`);
  }
  for (const { server: s, reason, install } of discovery.unavailable) {
    io.out.write(`${s.name} (${model(s)}): UNAVAILABLE\n${wrap(`stands for ${s.analogue}`, width, '    ')}\n`);
    io.out.write(`${wrap(reason, width, '    ')}\n${wrap(`install with: ${install}`, width, '    ')}\n`);
  }
  for (const suite of SUITE_NAMES) {
    io.out.write(`\nScenarios of the ${suite} suite${suite === 'default' ? '' : ` (run --suite ${suite})`}:\n\n`);
    for (const s of SUITES[suite]) {
      const about = s.servers ? wrap(`about ${s.servers.join(', ')}`, width, '    ') : '';
      io.out.write(`${s.id} (${s.kind})\n${wrap(s.title, width, '    ')}\n${about ? `${about}\n` : ''}`);
    }
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
    .action((flags: ListFlags) => setExit(list(flags, io)));

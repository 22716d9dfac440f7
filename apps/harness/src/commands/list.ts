import { Command } from 'commander';
import { discoverServers, workspaceRoot } from '../discover.js';
import { shared } from '../options.js';
import { renderGrid } from '../render/terminal.js';
import { SCENARIO_ALIASES, SCENARIOS } from '../scenarios.js';
import { HEADLINE_SERVERS } from '../verdicts.js';
import type { CommandContext, Io } from './context.js';

interface ListFlags {
  json?: boolean;
  workspace?: string;
}

function list(flags: ListFlags, io: Io): number {
  const discovery = discoverServers(workspaceRoot(flags.workspace));
  if (flags.json) {
    const servers = discovery.servers.map(({ name, model, analogue, packageName, framework, frameworkVersion }) => ({
      name,
      model,
      analogue,
      packageName,
      framework,
      frameworkVersion,
    }));
    const scenarios = SCENARIOS.map(({ id, kind, title, claim }) => ({ id, kind, title, claim }));
    io.out.write(`${JSON.stringify({ servers, scenarios, problems: discovery.problems }, null, 2)}\n`);
    return 0;
  }
  io.out.write('Servers (from the workspace):\n\n');
  const servers = discovery.servers.map((s) => [
    s.name,
    s.model,
    s.analogue,
    `${s.packageName}${s.frameworkVersion ? ` (${s.framework} ${s.frameworkVersion})` : ''}`,
  ]);
  io.out.write(`${renderGrid(['name', 'model', 'stands for', 'package'], servers)}\n\nScenarios:\n\n`);
  io.out.write(
    `${renderGrid(
      ['id', 'kind', 'what it runs'],
      SCENARIOS.map((s) => [s.id, s.kind, s.title]),
    )}\n`,
  );
  const aliases = Object.entries(SCENARIO_ALIASES).map(([alias, ids]) => `"${alias}" selects ${ids.join(' and ')}`);
  io.out.write(`\n${aliases.join('; ')}. Default servers: ${HEADLINE_SERVERS.join(', ')}.\n`);
  for (const problem of discovery.problems) io.out.write(`warning: ${problem}\n`);
  return 0;
}

export const listCommand = ({ io, setExit }: CommandContext) =>
  new Command('list')
    .description('list the servers found in the workspace and the scenarios')
    .addOption(shared.json())
    .addOption(shared.workspace())
    .action((flags: ListFlags) => setExit(list(flags, io)));

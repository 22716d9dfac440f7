import { startServer, verifyServer } from '@loopbench/contract';
import { Command } from 'commander';
import { detectStyle, paint } from '../../render/terminal.js';
import { buildServers, discoverServers, workspaceRoot } from '../../run/discover.js';
import { DEFAULT_OPTIONS, shared } from '../../run/options.js';
import { selectServers, unavailableWanted } from '../../run/select.js';
import type { CommandContext, Io } from './context.js';

interface VerifyFlags {
  servers?: string[];
  build: boolean;
  workspace?: string;
  readyTimeout?: number;
}

/** Problems of one server: its start, then every route's answer; empty when it conforms. */
async function problemsOf(server: Parameters<typeof startServer>[0], readyTimeoutS: number): Promise<string[]> {
  try {
    const running = await startServer(server, { readyTimeoutMs: readyTimeoutS * 1000 });
    try {
      return await verifyServer(running.url);
    } finally {
      await running.stop();
    }
  } catch (error) {
    return [(error as Error).message];
  }
}

async function verify(flags: VerifyFlags, io: Io): Promise<number> {
  const root = workspaceRoot(flags.workspace);
  const discovery = discoverServers(root);
  const servers = selectServers(discovery, flags.servers);
  for (const line of unavailableWanted(discovery, flags.servers)) io.out.write(`- left out, unavailable here: ${line}\n`);
  if (flags.build) buildServers(root, servers);
  const style = detectStyle(io.out);
  let failed = 0;
  for (const server of servers) {
    const problems = await problemsOf(server, flags.readyTimeout ?? DEFAULT_OPTIONS.readyTimeoutS);
    if (problems.length > 0) failed += 1;
    const mark = problems.length === 0 ? paint(style, 'green', '✓') : paint(style, 'red', '✗');
    io.out.write(`${mark} ${server.name} (${server.model})${problems.length === 0 ? ': every route answers as the contract says' : ''}\n`);
    for (const problem of problems) io.out.write(`    ${problem}\n`);
  }
  return failed > 0 ? 1 : 0;
}

export const verifyCommand = ({ io, setExit }: CommandContext) =>
  new Command('verify')
    .description("start each server and check every route's status and body against the contract")
    .addOption(shared.servers())
    .addOption(shared.readyTimeout())
    .addOption(shared.workspace())
    .addOption(shared.noBuild())
    .action(async (flags: VerifyFlags) => setExit(await verify(flags, io)));

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ResultsFileError } from '../results/results.js';
import { UsageError } from '../run/errors.js';
import { compareCommand } from './commands/compare.js';
import type { CommandContext, Io } from './commands/context.js';
import { listCommand } from './commands/list.js';
import { newCommand } from './commands/new.js';
import { probeCommand } from './commands/probe.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { verifyCommand } from './commands/verify.js';

const HARNESS_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The commands, in the order help lists them; each lives in its own file under commands/. */
const COMMANDS = [listCommand, verifyCommand, runCommand, reportCommand, compareCommand, probeCommand, newCommand] as const;

export function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command('loopbench')
    .description('Runs the same scenarios against a blocking and a non-blocking server and reports the difference.')
    .version(HARNESS_VERSION, '-V, --version', 'print the version of loopbench')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });
  for (const make of COMMANDS) {
    const command = make(context);
    program.addCommand(
      command
        .exitOverride()
        .showHelpAfterError(`(run loopbench ${command.name()} --help for every option)`)
        .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) }),
    );
  }
  return program;
}

/** Parses argv and runs a command; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code = 0;
  const program = buildProgram({
    io,
    setExit: (c) => {
      code = c;
    },
    argv,
  });
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

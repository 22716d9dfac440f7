import type { Command } from 'commander';

export interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

/** What every command gets: where to print, where to put its exit code, and the argv as typed. */
export interface CommandContext {
  io: Io;
  setExit(code: number): void;
  argv: readonly string[];
}

/** A command: its name, options and action, ready to add to the program. */
export type CommandFactory = (context: CommandContext) => Command;

import path from 'node:path';
import type { Model } from '@loopbench/contract';
import { Command, Option } from 'commander';
import { workspaceRoot } from '../../run/discover.js';
import { UsageError } from '../../run/errors.js';
import { shared } from '../../run/options.js';
import { SCAFFOLD_MODELS, ScaffoldError, scaffoldServer } from '../scaffold.js';
import type { CommandContext, Io } from './context.js';

interface NewFlags {
  model: string;
  analogue?: string;
  workspace?: string;
}

function create(name: string, flags: NewFlags, io: Io): number {
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

export const newCommand = ({ io, setExit }: CommandContext) =>
  new Command('new')
    .description('create packages/server-NAME: a server that passes the conformance suite, to turn into your framework')
    .argument('<name>', 'the server name, e.g. sanic-like (the package is @loopbench/server-NAME)')
    .requiredOption('--analogue <text>', 'required: the Python setup it stands for, e.g. "Sanic on its own server"')
    .addOption(new Option('--model <model>', 'how it waits').choices([...SCAFFOLD_MODELS]).default('non-blocking'))
    .addOption(shared.workspace('the workspace to add it to'))
    .action((name: string, flags: NewFlags) => setExit(create(name, flags, io)));

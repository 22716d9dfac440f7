import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Model, RESERVED_SERVER_NAMES } from '@loopbench/contract';

/** The models a scaffold can start from: node-http's awaiting app, or it made blocking (a pool needs one of its own). */
export const SCAFFOLD_MODELS: readonly Model[] = ['non-blocking', 'blocking'];

/** The package a new server starts from: bare node:http, which already passes the contract. */
export const TEMPLATE_PACKAGE = 'packages/server-node-http';

const COPIED = ['src/app.ts', 'src/main.ts', 'src/conformance.test.ts', 'tsconfig.json', 'tsconfig.build.json', 'vitest.config.ts'];

export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

export interface ScaffoldOptions {
  root: string;
  name: string;
  model: Model;
  analogue: string;
}

function readme(name: string, model: Model, analogue: string): string {
  const pkg = `@loopbench/server-${name}`;
  return `# ${pkg}

A loopbench server (${model}) standing for ${analogue}; made by \`loopbench new\` from bare node:http,
it already follows the contract.

## Usage

\`\`\`console
$ PORT=3000 npm start --workspace ${pkg}
{"event":"listening","server":"${name}","model":"${model}","host":"127.0.0.1","port":3000,...}
$ curl -s localhost:3000/fast
{"message":"fast"}
$ npm test --workspace ${pkg}            # the conformance suite
$ npx loopbench verify --servers ${name}
$ npx loopbench run --servers express-blocking,koa,${name}
\`\`\`

## Next

\`src/app.ts\` is node:http wiring around the contract's route table: replace it with your
framework's (a route per entry of \`ROUTES\`, each calling \`answerRoute\` with ${handlerNote(model)}; JSON refusals)
and keep \`npm test\` green. Set \`"framework"\` in \`package.json\` to the framework's package so
results record its version. See docs/adding-a-framework.md at the repository root.

## Caveats

- Until \`src/app.ts\` uses your framework, this package measures bare node:http.
`;
}

function handlerNote(model: Model): string {
  return model === 'blocking'
    ? 'the `blocking` handler at the top of the file, which blocks the thread (`sleepBlocking`, a synchronous query)'
    : "the contract's `awaiting` handler, whose waits are an awaited timer and an awaited query on a pg Pool";
}

/**
 * The template awaits its waits (the contract's `awaiting`, on a pg Pool); a blocking server's
 * handler holds the thread instead (a timer's wait, a synchronous query), written at the top of its
 * app, in plain sight, and its main gives it the blocking driver.
 */
const BLOCKING_EDITS: Readonly<Record<'src/app.ts' | 'src/main.ts', readonly [string, string][]>> = {
  'src/app.ts': [
    ['  type RouteHandler,\n', '  type BlockingDatabase,\n  type RouteHandler,\n  sleepBlocking,\n'],
    [
      '\nconst refusal = ',
      `
/** Flask with threaded=False: a wait blocks the one thread, so nothing else is served until it returns. */
export function blocking(database: BlockingDatabase): RouteHandler {
  return (route, params) => {
    if (route.waitsIn === 'database') database.query(route.waitMs(params));
    else sleepBlocking(route.waitMs(params));
    return route.reply(params);
  };
}

const refusal = `,
    ],
  ],
  'src/main.ts': [
    ['import { awaiting, pooledDatabase, serveFromPackage }', 'import { blockingDatabase, serveFromPackage }'],
    ["import { createApp } from './app.js';", "import { blocking, createApp } from './app.js';"],
    ['awaiting(pooledDatabase(database))', 'blocking(blockingDatabase(database))'],
  ],
};

/** How /query waits, as the new server's declaration says: the template's pool, or one connection used synchronously. */
function databaseOf(model: Model, template: { database?: unknown }): unknown {
  return model === 'blocking'
    ? { driver: 'pg on a synckit worker thread, called synchronously: the one thread is blocked until the database answers' }
    : template.database;
}

function makeBlocking(target: string): void {
  for (const [file, edits] of Object.entries(BLOCKING_EDITS)) {
    let source = readFileSync(path.join(target, file), 'utf8');
    for (const [from, to] of edits) {
      if (!source.includes(from))
        throw new ScaffoldError(`the template's ${file} has changed: no ${JSON.stringify(from)} to make blocking`);
      source = source.replace(from, to);
    }
    writeFileSync(path.join(target, file), source);
  }
}

/** Creates packages/server-NAME from the template; returns its folder. */
export function scaffoldServer({ root, name, model, analogue }: ScaffoldOptions): string {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) {
    throw new ScaffoldError(`"${name}" is not a server name: use lower-case letters, digits and dashes, e.g. loopbench new fastify-async`);
  }
  if (RESERVED_SERVER_NAMES.includes(name)) {
    throw new ScaffoldError(`"${name}" cannot name a server: --servers ${name} means every server; choose another name`);
  }
  if (!SCAFFOLD_MODELS.includes(model)) throw new ScaffoldError(`--model must be ${SCAFFOLD_MODELS.join(' or ')} (got "${model}")`);
  if (analogue.trim() === '')
    throw new ScaffoldError('--analogue must say which Python setup the server stands for, e.g. --analogue "Sanic on its own server"');
  const template = path.join(root, TEMPLATE_PACKAGE);
  if (!existsSync(path.join(template, 'package.json'))) throw new ScaffoldError(`the template ${template} is missing`);
  const target = path.join(root, 'packages', `server-${name}`);
  if (existsSync(target)) throw new ScaffoldError(`${path.relative(root, target)} already exists; choose another name`);

  for (const file of COPIED) {
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    copyFileSync(path.join(template, file), path.join(target, file));
  }
  if (model === 'blocking') makeBlocking(target);
  const templateManifest = JSON.parse(readFileSync(path.join(template, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    loopbench: { database?: unknown };
  };
  const pkg = `@loopbench/server-${name}`;
  const manifest = {
    name: pkg,
    version: templateManifest.version,
    private: true,
    description: `A loopbench server standing for ${analogue}.`,
    type: 'module',
    loopbench: { name, model, analogue, database: databaseOf(model, templateManifest.loopbench), start: ['node', 'dist/main.js'] },
    // Its prestart and pretest build it (and the contract) through turbo: its npm test works before any build.
    scripts: Object.fromEntries(
      Object.entries(templateManifest.scripts).map(([script, command]) => [script, command.replaceAll(templateManifest.name, pkg)]),
    ),
    dependencies: templateManifest.dependencies,
  };
  writeFileSync(path.join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(target, 'README.md'), readme(name, model, analogue));
  return target;
}

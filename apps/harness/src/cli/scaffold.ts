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
    ? 'the handler at the top of the file, which blocks the thread (`sleepBlocking`)'
    : "the contract's `awaitingHandler`, whose wait is an awaited timer";
}

/**
 * The template awaits its waits (the contract's awaitingHandler); a blocking server's handler holds
 * the thread instead, written at the top of its file, in plain sight.
 */
const BLOCKING_EDITS: readonly [string, string][] = [
  ['  awaitingHandler,\n', ''],
  ['  type RouteHandler,\n', '  type RouteHandler,\n  sleepBlocking,\n'],
  [
    '\nconst refusal = ',
    `
/** Flask with threaded=False: the wait blocks the one thread, so nothing else is served until it returns. */
export const blockingHandler: RouteHandler = (route, params) => {
  sleepBlocking(route.waitMs(params));
  return route.reply(params);
};

const refusal = `,
  ],
  ['handle: RouteHandler = awaitingHandler', 'handle: RouteHandler = blockingHandler'],
];

function makeBlocking(appFile: string): void {
  let source = readFileSync(appFile, 'utf8');
  for (const [from, to] of BLOCKING_EDITS) {
    if (!source.includes(from))
      throw new ScaffoldError(`the template's src/app.ts has changed: no ${JSON.stringify(from)} to make blocking`);
    source = source.replace(from, to);
  }
  writeFileSync(appFile, source);
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
  if (model === 'blocking') makeBlocking(path.join(target, 'src/app.ts'));
  const templateManifest = JSON.parse(readFileSync(path.join(template, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const pkg = `@loopbench/server-${name}`;
  const manifest = {
    name: pkg,
    version: templateManifest.version,
    private: true,
    description: `A loopbench server standing for ${analogue}.`,
    type: 'module',
    loopbench: { name, model, analogue, start: ['node', 'dist/main.js'] },
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

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MODELS } from './model.js';

/**
 * The hardening part of the conformance suite: the cases a server may declare it does not meet,
 * each with its reason (werkzeug has no header timeout, say). The core contract has no exceptions.
 * oversized-requests: 414 and 431 as JSON; slow-client: 408 JSON after 10 s for headers never
 * finished; fuzz: 10,000 hostile requests without a 5xx, crash or hang; raw-refusals: a Host-less
 * HTTP/1.1 request, CONNECT and `OPTIONS *` refused in JSON; http-versions: HTTP/2.0 and other
 * versions 505 JSON, a request line without one 400 JSON; malformed-requests: what is not HTTP (a TLS
 * ClientHello) 400 JSON at once, bare-LF line ends answered; expect: an Expect other than
 * 100-continue 417 JSON; host-header: Host as RFC 9112 says (none in HTTP/1.0 or empty: served;
 * invalid or twice: 400 JSON); upgrade: an Upgrade request answered as the GET it is, or refused in
 * JSON; keep-alive: 5 s keep-alive and pipelining;
 * stop-unfinished-request: SIGTERM exits at once beside a half-sent request; workers: WORKERS=N runs
 * N processes; workers-spread: those processes serve N requests at once.
 */
export const EXCEPTION_NAMES = [
  'oversized-requests',
  'slow-client',
  'fuzz',
  'raw-refusals',
  'http-versions',
  'malformed-requests',
  'expect',
  'host-header',
  'upgrade',
  'keep-alive',
  'stop-unfinished-request',
  'workers',
  'workers-spread',
] as const;

export type ExceptionCase = (typeof EXCEPTION_NAMES)[number];

/** Names a server cannot have: the harness reads them as something else (`--servers all`). */
export const RESERVED_SERVER_NAMES: readonly string[] = ['all'];

/** What the harness sets in every server's environment: a declaration's "env" cannot. */
export const HARNESS_ENV_NAMES: readonly string[] = ['PORT', 'HOST', 'WORKERS', 'SERVER_TIMING', 'DATABASE_URL', 'DB_POOL'];

const quoted = (names: readonly string[]) => names.map((name) => JSON.stringify(name)).join(', ');

const POOL_SIZE = 'is the thread count of a "thread-pool" server, e.g. 40, and only of one';
const INSTALL = 'must give the exact command that installs what "requires" names';

const nonEmpty = (message: string) => z.string({ error: message }).min(1, { error: message });

const reasons = Object.fromEntries(EXCEPTION_NAMES.map((name) => [name, nonEmpty('must give the reason').optional()]));

const exceptionsSchema = z
  .strictObject(reasons as Record<ExceptionCase, z.ZodOptional<z.ZodString>>, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `names ${quoted(issue.keys)}; the cases are ${EXCEPTION_NAMES.join(', ')}`
        : 'must map hardening cases to the reasons they are not met, e.g. {"slow-client": "no header timeout"}',
  })
  .describe('Hardening cases it does not meet, each with its reason.');

const requiresSchema = z
  .strictObject(
    {
      python3: z
        .array(z.string().regex(/^[A-Za-z_][\w.]*$/, { error: 'must be a Python module, e.g. "flask"' }), {
          error: 'must list Python modules, e.g. ["flask"]',
        })
        .min(1, { error: 'must list Python modules, e.g. ["flask"]' })
        .optional()
        .describe('Python modules the interpreter, start[0], must import.'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `names ${quoted(issue.keys)}; it knows "python3" (modules to import)`
          : 'must be an object, e.g. {"python3": ["flask"]}',
    },
  )
  .describe('What a server needs from outside npm.');

const envSchema = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .refine((name) => !HARNESS_ENV_NAMES.includes(name))
      .meta({ not: { enum: HARNESS_ENV_NAMES } }),
    z.string({ error: 'must be a string' }),
    {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? `names ${JSON.stringify(issue.input)}: a variable's name is letters, digits and _, and not one the harness sets (${HARNESS_ENV_NAMES.join(', ')})`
          : 'must be an object of environment variables, e.g. {"PYTHONPATH": "../contract/python"}',
    },
  )
  .describe(
    'Environment variables added to the server\'s, e.g. {"PYTHONPATH": "../contract/python"}. Values are passed as written; ' +
      'the server starts in its package folder, so a relative path is relative to that folder.',
  );

const DB_POOL = 'is how many connections the driver may use at once unless DB_POOL says otherwise, e.g. 10';

const databaseSchema = z
  .strictObject(
    {
      driver: nonEmpty('must name the driver and how it is called, e.g. "pg Pool, awaited"').describe(
        'The driver /query uses and how it is called, e.g. "pg Pool, awaited" or "psycopg2, one connection per process".',
      ),
      pool: z
        .int({ error: DB_POOL })
        .min(1, { error: DB_POOL })
        .optional()
        .describe(
          'Connections a pooled driver may use at once (DB_POOL changes it); absent, one connection per process, used one query at a time.',
        ),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `names ${quoted(issue.keys)}; it knows "driver" and "pool"`
          : 'must be an object, e.g. {"driver": "pg Pool, awaited", "pool": 10}',
    },
  )
  .describe('How /query waits in the database.');

/** The "loopbench" field of a server package's package.json: what the server says of itself. */
export const declarationSchema = z
  .object(
    {
      name: z
        .string({ error: 'must be lower-case letters, digits and dashes, e.g. "koa"' })
        .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be lower-case letters, digits and dashes, e.g. "koa"' })
        .refine((name) => !RESERVED_SERVER_NAMES.includes(name), {
          error: (issue) => `cannot be ${JSON.stringify(issue.input)}: --servers ${issue.input} means every server`,
        })
        .meta({ description: 'Short display name, e.g. "koa".', not: { enum: RESERVED_SERVER_NAMES } }),
      model: z
        .enum(MODELS, { error: `must be one of ${MODELS.join(', ')}` })
        .describe(
          'blocking: one request at a time; non-blocking: one event loop serves many; thread-pool: each request holds one of poolSize threads.',
        ),
      analogue: nonEmpty('must name the Python setup it stands for').describe(
        'The Python setup it stands for, e.g. "FastAPI on uvicorn (ASGI)".',
      ),
      start: z
        .array(z.string({ error: 'must be a string, one argument' }), { error: 'must be an argv array, e.g. ["node", "dist/main.js"]' })
        .min(1, { error: 'must be an argv array, e.g. ["node", "dist/main.js"]' })
        .describe('argv run in the package folder; no shell.'),
      env: envSchema.optional(),
      framework: z
        .string({ error: 'must name the framework package' })
        .optional()
        .describe('The framework package whose version results record.'),
      cpuOffload: z
        .boolean({ error: 'must be true or false' })
        .optional()
        .describe('True when CPU work runs on a thread pool, off the event loop (it then scales with cores).'),
      poolSize: z
        .int({ error: POOL_SIZE })
        .min(1, { error: POOL_SIZE })
        .optional()
        .describe('Threads of the pool, for the thread-pool model: a wait blocks one of them.'),
      database: databaseSchema.optional(),
      requires: requiresSchema.optional(),
      install: nonEmpty(INSTALL)
        .optional()
        .describe('The exact command that installs what "requires" names, e.g. "apt-get install python3-flask".'),
      exceptions: exceptionsSchema.optional(),
    },
    { error: 'must be an object, e.g. {"name": "koa", "model": "non-blocking", "analogue": "…", "start": ["node", "dist/main.js"]}' },
  )
  .superRefine(
    (field, context) => {
      // Fields that go together; run even when others failed, so every problem is named at once.
      if (typeof field !== 'object' || field === null) return;
      if (field.model === 'thread-pool' ? field.poolSize === undefined : field.poolSize !== undefined) {
        context.addIssue({ code: 'custom', path: ['poolSize'], message: POOL_SIZE });
      }
      if (field.requires !== undefined && field.install === undefined) {
        context.addIssue({ code: 'custom', path: ['install'], message: INSTALL });
      }
      if (field.requires === undefined && field.install !== undefined) {
        context.addIssue({ code: 'custom', path: ['install'], message: 'goes with "requires"' });
      }
    },
    { when: () => true },
  )
  .meta({
    title: 'loopbench server declaration',
    description: 'The "loopbench" field of a server package\'s package.json: the harness starts the server from it.',
    // The checks across fields above, for validators of the JSON Schema.
    allOf: [
      {
        if: { properties: { model: { const: 'thread-pool' } }, required: ['model'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
        then: { required: ['poolSize'] },
        else: { not: { required: ['poolSize'] } },
      },
    ],
    dependentRequired: { requires: ['install'], install: ['requires'] },
  });

/** What a server package says of itself in the "loopbench" field of its package.json. */
export type ServerDeclaration = z.infer<typeof declarationSchema>;

/** What a server needs from outside npm: Python modules its interpreter (start[0]) must import. */
export type Requirements = z.infer<typeof requiresSchema>;

export interface ServerPackage extends ServerDeclaration {
  packageName: string;
  packageDir: string;
  frameworkVersion?: string;
}

/** The JSON Schema of the "loopbench" field (loopbench.schema.json), its checks across fields included; readServerPackage words the problems. */
export function declarationJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(declarationSchema, { target: 'draft-2020-12', io: 'input' });
}

/** One thing wrong in a declaration: where (a JSON path from the package.json's root) and what to fix. */
export interface DeclarationProblem {
  path: string;
  message: string;
}

export class DeclarationError extends Error {
  override name = 'DeclarationError';
  constructor(
    readonly file: string,
    readonly problems: readonly DeclarationProblem[],
  ) {
    super(`${file}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  }
}

/** A JSON path as JavaScript writes it: loopbench.requires.python3[0], loopbench.exceptions["slow-client"]. */
export function jsonPath(keys: readonly PropertyKey[], root = 'loopbench'): string {
  return keys.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_$][\w$]*$/.test(name) ? `${text}.${name}` : `${text}[${JSON.stringify(name)}]`;
  }, root);
}

function problemOf(issue: z.core.$ZodIssue): DeclarationProblem {
  // A bad key is named by its object, not by the key itself.
  const keys = issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path;
  return { path: jsonPath(keys), message: issue.message };
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The installed version of `name` as seen from `fromDir` (node_modules lookup, upwards). */
export function installedVersion(name: string, fromDir: string): string | undefined {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return readJson(file).version as string;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Reads a package's declaration; undefined when the package declares no server. */
export function readServerPackage(packageDir: string): ServerPackage | undefined {
  const file = path.join(packageDir, 'package.json');
  const manifest = readJson(file);
  if (manifest.loopbench === undefined) return undefined;
  const parsed = declarationSchema.safeParse(manifest.loopbench);
  if (!parsed.success) {
    // A field and a check across fields may say the same thing (a pool size of 0 on a non-blocking server).
    const problems = new Map(parsed.error.issues.map(problemOf).map((p) => [`${p.path} ${p.message}`, p]));
    throw new DeclarationError(file, [...problems.values()]);
  }
  const declaration = parsed.data;
  return {
    ...declaration,
    packageName: manifest.name as string,
    packageDir: path.resolve(packageDir),
    ...(declaration.framework ? { frameworkVersion: installedVersion(declaration.framework, packageDir) } : {}),
  };
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MODELS, type Model } from './probe.js';

/**
 * The hardening part of the conformance suite: the cases a server may declare it does not meet,
 * each with its reason (werkzeug has no header timeout, say). The core contract has no exceptions.
 * oversized-requests: 414 and 431 as JSON; slow-client: 408 JSON after 10 s for headers never
 * finished; fuzz: 10,000 hostile requests without a 5xx, crash or hang; raw-refusals: a Host-less
 * HTTP/1.1 request and CONNECT refused in JSON; keep-alive: 5 s keep-alive and pipelining;
 * stop-unfinished-request: SIGTERM exits at once beside a half-sent request; workers: WORKERS=N runs
 * N processes; workers-spread: those processes serve N requests at once.
 */
export const EXCEPTION_NAMES = [
  'oversized-requests',
  'slow-client',
  'fuzz',
  'raw-refusals',
  'keep-alive',
  'stop-unfinished-request',
  'workers',
  'workers-spread',
] as const;

export type ExceptionCase = (typeof EXCEPTION_NAMES)[number];

/** What a server needs from outside npm: Python modules its interpreter (start[0]) must import. */
export interface Requirements {
  python3?: string[];
}

/** What a server package says of itself in the "loopbench" field of its package.json. */
export interface ServerDeclaration {
  /** Short display name, e.g. "koa". */
  name: string;
  model: Model;
  /** The Python setup it stands for, e.g. "FastAPI on uvicorn (ASGI)". */
  analogue: string;
  /** argv run in the package folder; no shell. */
  start: string[];
  /** The framework package whose version results record, if any. */
  framework?: string;
  /** True when CPU work runs on a thread pool, off the event loop (it then scales with cores). */
  cpuOffload?: boolean;
  /** Threads of the pool, for the thread-pool model: a wait blocks one of them. */
  poolSize?: number;
  requires?: Requirements;
  /** The exact command that installs what `requires` names, e.g. "apt-get install python3-flask". */
  install?: string;
  /** Hardening cases it does not meet, each with its reason. */
  exceptions?: Partial<Record<ExceptionCase, string>>;
}

export interface ServerPackage extends ServerDeclaration {
  packageName: string;
  packageDir: string;
  frameworkVersion?: string;
}

/** Names a server cannot have: the harness reads them as something else (`--servers all`). */
export const RESERVED_SERVER_NAMES: readonly string[] = ['all'];

export class DeclarationError extends Error {
  override name = 'DeclarationError';
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

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function requirementProblems(field: Partial<ServerDeclaration>): string[] {
  if (field.requires === undefined) return field.install === undefined ? [] : ['"install" goes with "requires"'];
  const { python3, ...other } = field.requires as Record<string, unknown>;
  const problems = Object.keys(other).map((key) => `"requires" names "${key}"; it knows "python3" (modules to import)`);
  if (
    python3 !== undefined &&
    !(Array.isArray(python3) && python3.length > 0 && python3.every((m) => typeof m === 'string' && /^[A-Za-z_][\w.]*$/.test(m)))
  ) {
    problems.push('"requires"."python3" must list Python modules, e.g. ["flask"]');
  }
  if (typeof field.install !== 'string' || field.install === '')
    problems.push('"install" must give the exact command that installs what "requires" names');
  return problems;
}

/** Reads a package's declaration; undefined when the package declares no server. */
export function readServerPackage(packageDir: string): ServerPackage | undefined {
  const manifest = readJson(path.join(packageDir, 'package.json'));
  const field = manifest.loopbench as Partial<ServerDeclaration> | undefined;
  if (field === undefined) return undefined;
  const where = `${path.join(packageDir, 'package.json')} "loopbench"`;
  const problems: string[] = [];
  if (typeof field.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(field.name)) {
    problems.push('"name" must be lower-case letters, digits and dashes, e.g. "koa"');
  } else if (RESERVED_SERVER_NAMES.includes(field.name)) {
    problems.push(`"name" cannot be "${field.name}": --servers ${field.name} means every server`);
  }
  if (!MODELS.includes(field.model as Model)) problems.push(`"model" must be one of ${MODELS.join(', ')}`);
  if (typeof field.analogue !== 'string' || field.analogue === '') problems.push('"analogue" must name the Python setup it stands for');
  if (!Array.isArray(field.start) || field.start.length === 0 || !field.start.every((a) => typeof a === 'string')) {
    problems.push('"start" must be an argv array, e.g. ["node", "dist/main.js"]');
  }
  if (field.cpuOffload !== undefined && typeof field.cpuOffload !== 'boolean') problems.push('"cpuOffload" must be true or false');
  if (field.model === 'thread-pool' ? !isPositiveInteger(field.poolSize) : field.poolSize !== undefined) {
    problems.push('"poolSize" is the thread count of a "thread-pool" server, e.g. 40, and only of one');
  }
  problems.push(...requirementProblems(field));
  for (const [name, reason] of Object.entries(field.exceptions ?? {})) {
    if (!(EXCEPTION_NAMES as readonly string[]).includes(name))
      problems.push(`"exceptions" names "${name}"; the cases are ${EXCEPTION_NAMES.join(', ')}`);
    else if (typeof reason !== 'string' || reason === '') problems.push(`"exceptions"."${name}" must give the reason`);
  }
  if (problems.length > 0) throw new DeclarationError(`${where}: ${problems.join('; ')}`);
  const declaration = field as ServerDeclaration;
  return {
    ...declaration,
    packageName: manifest.name as string,
    packageDir: path.resolve(packageDir),
    ...(declaration.framework ? { frameworkVersion: installedVersion(declaration.framework, packageDir) } : {}),
  };
}

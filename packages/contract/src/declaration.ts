import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MODELS, type Model } from './probe.js';

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
  if (problems.length > 0) throw new DeclarationError(`${where}: ${problems.join('; ')}`);
  const declaration = field as ServerDeclaration;
  return {
    ...declaration,
    packageName: manifest.name as string,
    packageDir: path.resolve(packageDir),
    ...(declaration.framework ? { frameworkVersion: installedVersion(declaration.framework, packageDir) } : {}),
  };
}

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAvailability, DeclarationError, readServerPackage, type ServerPackage } from '@loopbench/contract';
import { UsageError } from './errors.js';

/** The nearest folder upwards whose package.json declares workspaces. */
export function findWorkspaceRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no workspace root (a package.json with "workspaces") above ${from}`);
  }
}

/** --workspace, or the workspace this loopbench is installed in. */
export function workspaceRoot(dir: string | undefined): string {
  if (dir === undefined) return findWorkspaceRoot();
  if (!existsSync(path.join(dir, 'package.json')))
    throw new UsageError(`--workspace ${dir} has no package.json; give the folder of a workspace's root package.json`);
  return findWorkspaceRoot(dir);
}

function workspaceDirs(root: string): string[] {
  const patterns = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces ?? []) as string[];
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [path.join(root, pattern)];
    const parent = path.join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    // existsSync follows symlinks, so a linked package folder counts like a real one.
    return readdirSync(parent)
      .map((name) => path.join(parent, name))
      .filter((dir) => existsSync(path.join(dir, 'package.json')));
  });
}

/** A server whose package requires what this machine lacks (Debian's python3-flask …). */
export interface UnavailableServer {
  server: ServerPackage;
  reason: string;
  /** The exact command that installs what it needs. */
  install: string;
}

export interface Discovery {
  /** The servers that can run here. */
  servers: ServerPackage[];
  unavailable: UnavailableServer[];
  /** Packages whose "loopbench" field is malformed, with what is wrong. */
  problems: string[];
}

/**
 * Every server package in the workspace: a package is a server when it has a "loopbench" field. A
 * server that requires modules from outside npm is available when they import; their versions are
 * recorded like an npm framework's.
 */
export function discoverServers(root: string): Discovery {
  const servers: ServerPackage[] = [];
  const unavailable: UnavailableServer[] = [];
  const problems: string[] = [];
  for (const dir of workspaceDirs(root)) {
    try {
      const server = readServerPackage(dir);
      if (!server) continue;
      const availability = checkAvailability(server);
      if (!availability.available) unavailable.push({ server, reason: availability.reason, install: availability.install });
      else {
        const version = server.framework ? availability.versions[server.framework] : undefined;
        servers.push(version ? { ...server, frameworkVersion: version } : server);
      }
    } catch (error) {
      if (!(error instanceof DeclarationError)) throw error;
      problems.push(error.message);
    }
  }
  servers.sort((a, b) => a.name.localeCompare(b.name));
  unavailable.sort((a, b) => a.server.name.localeCompare(b.server.name));
  return { servers, unavailable, problems };
}

/** One line per unavailable server: why, and what to type. */
export function unavailableLines(unavailable: readonly UnavailableServer[]): string[] {
  return unavailable.map(({ server, reason, install }) => `${server.name}: ${reason}; install with: ${install}`);
}

/** Builds the given server packages (and what they depend on) through turbo; cached when unchanged. */
export function buildServers(root: string, servers: readonly ServerPackage[]): void {
  const turbo = path.join(root, 'node_modules', '.bin', 'turbo');
  if (!existsSync(turbo) || servers.length === 0) return;
  const filters = servers.map((s) => `--filter=${s.packageName}`);
  const result = spawnSync(turbo, ['run', 'build', ...filters, '--output-logs=errors-only', '--log-prefix=none'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`building ${servers.map((s) => s.name).join(', ')} failed:\n${(result.stdout + result.stderr).trim()}`);
  }
}

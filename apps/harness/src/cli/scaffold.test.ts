import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerPackage } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { findWorkspaceRoot } from '../run/discover.js';
import { ScaffoldError, scaffoldServer } from './scaffold.js';

const root = findWorkspaceRoot();
const bin = fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url));

/** A temporary copy of the workspace: the template and the contract linked, the root files copied. */
function workspaceCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-scaffold-'));
  for (const file of ['package.json', 'tsconfig.base.json', 'biome.json']) copyFileSync(path.join(root, file), path.join(dir, file));
  mkdirSync(path.join(dir, 'packages'));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  symlinkSync(path.join(root, 'packages', 'contract'), path.join(dir, 'packages', 'contract'));
  symlinkSync(path.join(root, 'packages', 'server-node-http'), path.join(dir, 'packages', 'server-node-http'));
  return dir;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } });
}

describe('loopbench new', () => {
  it.each([
    ['non-blocking', '10000'],
    ['blocking', '1000'],
  ])('creates a %s server that passes the conformance suite before any edit', { timeout: 180_000 }, (model, fuzzRequests) => {
    const dir = workspaceCopy();
    const created = run(
      process.execPath,
      [bin, 'new', 'demo', '--model', model, '--analogue', 'a test framework', '--workspace', dir],
      dir,
    );
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('created packages/server-demo');
    const pkgDir = path.join(dir, 'packages', 'server-demo');
    expect(readServerPackage(pkgDir)).toMatchObject({
      name: 'demo',
      model,
      analogue: 'a test framework',
      packageName: '@loopbench/server-demo',
    });
    expect(readFileSync(path.join(pkgDir, 'README.md'), 'utf8')).toContain('# @loopbench/server-demo');
    // The server's own code shows its model.
    const app = readFileSync(path.join(pkgDir, 'src', 'app.ts'), 'utf8');
    expect(app).toContain(model === 'blocking' ? '  sleepBlocking(route.waitMs(params));' : 'handle: RouteHandler = awaitingHandler');
    if (model === 'blocking') expect(app).not.toContain('awaitingHandler');

    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const build = run(tsc, ['-p', 'tsconfig.build.json'], pkgDir);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    expect(existsSync(path.join(pkgDir, 'dist', 'main.js'))).toBe(true);

    const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
    const suite = run(vitest, ['run'], pkgDir, { LOOPBENCH_FUZZ_REQUESTS: fuzzRequests });
    const failures = suite.stdout.slice(Math.max(0, suite.stdout.indexOf('Failed Tests')), suite.stdout.indexOf('Failed Tests') + 4000);
    expect(suite.status, failures).toBe(0);
    expect(suite.stdout).toMatch(/Tests\s+\S*\s*\d+ passed/);
    expect(suite.stdout).not.toMatch(/failed/);
  });

  it('refuses bad names, an existing package and a missing analogue', () => {
    const dir = workspaceCopy();
    expect(() => scaffoldServer({ root: dir, name: 'Bad Name', model: 'non-blocking', analogue: 'x' })).toThrow(/not a server name/);
    expect(() => scaffoldServer({ root: dir, name: 'all', model: 'non-blocking', analogue: 'x' })).toThrow(
      /--servers all means every server/,
    );
    expect(() => scaffoldServer({ root: dir, name: 'node-http', model: 'non-blocking', analogue: 'x' })).toThrow(/already exists/);
    expect(() => scaffoldServer({ root: dir, name: 'ok', model: 'non-blocking', analogue: ' ' })).toThrow(ScaffoldError);
    const missing = run(process.execPath, [bin, 'new', 'demo', '--workspace', dir], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/required option '--analogue <text>' not specified/);
  });
});

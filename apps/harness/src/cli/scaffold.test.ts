import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerPackage } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { findWorkspaceRoot } from '../run/discover.js';
import { ScaffoldError, scaffoldServer } from './scaffold.js';

const root = findWorkspaceRoot();
const bin = fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url));

/**
 * A temporary copy of the workspace: the root files copied, node_modules linked, the template's files
 * copied (turbo refuses a package linked from outside the root), and the contract as its manifest
 * without scripts: node_modules resolves @loopbench/contract to the real one, built before the tests,
 * so turbo has nothing of it to build.
 */
function workspaceCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-scaffold-'));
  for (const file of ['package.json', 'tsconfig.base.json', 'biome.json', 'turbo.json'])
    copyFileSync(path.join(root, file), path.join(dir, file));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const contract = JSON.parse(readFileSync(path.join(root, 'packages', 'contract', 'package.json'), 'utf8'));
  delete contract.scripts;
  mkdirSync(path.join(dir, 'packages', 'contract'), { recursive: true });
  writeFileSync(path.join(dir, 'packages', 'contract', 'package.json'), JSON.stringify(contract));
  const template = path.join(root, 'packages', 'server-node-http');
  for (const file of [
    'package.json',
    'src/app.ts',
    'src/main.ts',
    'src/conformance.test.ts',
    'tsconfig.json',
    'tsconfig.build.json',
    'vitest.config.ts',
  ]) {
    mkdirSync(path.dirname(path.join(dir, 'packages', 'server-node-http', file)), { recursive: true });
    copyFileSync(path.join(template, file), path.join(dir, 'packages', 'server-node-http', file));
  }
  return dir;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } });
}

/** run, without holding the event loop: the two scaffolds' suites overlap. */
function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('loopbench new', () => {
  // The two build and run a conformance suite each (about 20 s): concurrently, they overlap.
  it.concurrent.each([
    ['non-blocking', '10000'],
    ['blocking', '1000'],
  ])('creates a %s server that passes the conformance suite before any edit', { timeout: 180_000 }, async (model, fuzzRequests) => {
    const dir = workspaceCopy();
    const created = await runAsync(
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
    const main = readFileSync(path.join(pkgDir, 'src', 'main.ts'), 'utf8');
    if (model === 'blocking') {
      expect(app).toContain('    else sleepBlocking(route.waitMs(params));');
      expect(main).toContain('blocking(blockingDatabase(database))');
    } else {
      expect(main).toContain('awaiting(pooledDatabase(database))');
    }

    // As docs/adding-a-framework.md says, with nothing built: the package's own npm test builds it.
    expect(existsSync(path.join(pkgDir, 'dist'))).toBe(false);
    const suite = await runAsync('npm', ['test', '--workspace', '@loopbench/server-demo'], dir, { LOOPBENCH_FUZZ_REQUESTS: fuzzRequests });
    const failures = suite.stdout.slice(Math.max(0, suite.stdout.indexOf('Failed Tests')), suite.stdout.indexOf('Failed Tests') + 4000);
    expect(suite.status, failures || suite.stderr).toBe(0);
    expect(existsSync(path.join(pkgDir, 'dist', 'main.js'))).toBe(true);
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

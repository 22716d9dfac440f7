import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findWorkspaceRoot } from '../run/discover.js';

const root = findWorkspaceRoot();

describe("the repository's npm scripts", () => {
  // An unknown scenario reaches loopbench, which refuses it before measuring anything.
  it.each(['bench', 'bench:articles', 'bench:database'])(
    'npm run %s -- FLAGS hands the flags to loopbench (#27)',
    { timeout: 120_000 },
    (script) => {
      const npm = spawnSync('npm', ['run', script, '--', '--scenario', 'no-such-scenario'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      const output = npm.stdout + npm.stderr;
      expect(output).not.toMatch(/unexpected argument/);
      expect(output).toContain('error: unknown scenario "no-such-scenario"');
      expect(npm.status).not.toBe(0);
    },
  );
});

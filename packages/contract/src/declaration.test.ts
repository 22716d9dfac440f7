import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeclarationError, readServerPackage } from './declaration.js';

function packageWith(loopbench: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-declaration-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@x/server', loopbench }));
  return dir;
}

describe('readServerPackage', () => {
  const valid = { name: 'demo', model: 'non-blocking', analogue: 'a test', start: ['node', 'main.js'] };

  it('reads a declaration, and nothing from a package that declares no server', () => {
    expect(readServerPackage(packageWith(valid))).toMatchObject({ ...valid, packageName: '@x/server' });
    expect(readServerPackage(packageWith(undefined))).toBeUndefined();
  });

  it('refuses the name "all", which --servers reads as every server', () => {
    expect(() => readServerPackage(packageWith({ ...valid, name: 'all' }))).toThrow(DeclarationError);
    expect(() => readServerPackage(packageWith({ ...valid, name: 'all' }))).toThrow(/cannot be "all": --servers all means every server/);
  });
});

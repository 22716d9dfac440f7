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

  it('takes a thread-pool server with its pool size, and a pool size only from one', () => {
    expect(readServerPackage(packageWith({ ...valid, model: 'thread-pool', poolSize: 40 }))).toMatchObject({ poolSize: 40 });
    expect(() => readServerPackage(packageWith({ ...valid, model: 'thread-pool' }))).toThrow(/"poolSize" is the thread count/);
    expect(() => readServerPackage(packageWith({ ...valid, poolSize: 4 }))).toThrow(/"poolSize" is the thread count/);
  });

  it('takes what a server requires with the command that installs it', () => {
    const python = { ...valid, requires: { python3: ['flask'] }, install: 'apt-get install python3-flask' };
    expect(readServerPackage(packageWith(python))).toMatchObject({ requires: { python3: ['flask'] } });
    expect(() => readServerPackage(packageWith({ ...python, install: undefined }))).toThrow(/"install" must give the exact command/);
    expect(() => readServerPackage(packageWith({ ...python, requires: { ruby: ['x'] } }))).toThrow(/"requires" names "ruby"/);
    expect(() => readServerPackage(packageWith({ ...python, requires: { python3: ['bad name'] } }))).toThrow(/must list Python modules/);
  });

  it('takes declared exceptions of the hardening cases only, each with a reason', () => {
    const excepted = { ...valid, exceptions: { 'slow-client': 'werkzeug has no header timeout' } };
    expect(readServerPackage(packageWith(excepted))).toMatchObject(excepted);
    expect(() => readServerPackage(packageWith({ ...valid, exceptions: { routes: 'no' } }))).toThrow(
      /"exceptions" names "routes"; the cases are/,
    );
    expect(() => readServerPackage(packageWith({ ...valid, exceptions: { fuzz: '' } }))).toThrow(
      /"exceptions"."fuzz" must give the reason/,
    );
  });
});

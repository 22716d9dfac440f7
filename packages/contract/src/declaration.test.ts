import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeclarationError, declarationJsonSchema, jsonPath, readServerPackage } from './declaration.js';

function packageWith(loopbench: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-declaration-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@x/server', loopbench }));
  return dir;
}

/** The problems readServerPackage finds, as [JSON path, message]. */
function problems(loopbench: unknown): [string, string][] {
  try {
    readServerPackage(packageWith(loopbench));
  } catch (error) {
    if (error instanceof DeclarationError) return error.problems.map((p) => [p.path, p.message]);
    throw error;
  }
  throw new Error('expected a DeclarationError');
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
    expect(() => readServerPackage(packageWith({ ...valid, model: 'thread-pool' }))).toThrow(/loopbench\.poolSize is the thread count/);
    expect(() => readServerPackage(packageWith({ ...valid, poolSize: 4 }))).toThrow(/loopbench\.poolSize is the thread count/);
    expect(problems({ ...valid, poolSize: 0 })).toEqual([['loopbench.poolSize', expect.stringMatching(/^is the thread count/)]]);
  });

  it('takes what a server requires with the command that installs it', () => {
    const python = { ...valid, requires: { python3: ['flask'] }, install: 'apt-get install python3-flask' };
    expect(readServerPackage(packageWith(python))).toMatchObject({ requires: { python3: ['flask'] } });
    expect(() => readServerPackage(packageWith({ ...python, install: undefined }))).toThrow(
      /loopbench\.install must give the exact command/,
    );
    expect(() => readServerPackage(packageWith({ ...python, requires: { ruby: ['x'] } }))).toThrow(/loopbench\.requires names "ruby"/);
    expect(() => readServerPackage(packageWith({ ...python, requires: { python3: ['bad name'] } }))).toThrow(
      /loopbench\.requires\.python3\[0\] must be a Python module/,
    );
  });

  it('takes declared exceptions of the hardening cases only, each with a reason', () => {
    const excepted = { ...valid, exceptions: { 'slow-client': 'werkzeug has no header timeout' } };
    expect(readServerPackage(packageWith(excepted))).toMatchObject(excepted);
    expect(() => readServerPackage(packageWith({ ...valid, exceptions: { routes: 'no' } }))).toThrow(
      /loopbench\.exceptions names "routes"; the cases are/,
    );
    expect(() => readServerPackage(packageWith({ ...valid, exceptions: { fuzz: '' } }))).toThrow(
      /loopbench\.exceptions\.fuzz must give the reason/,
    );
  });

  it('takes environment variables for the server, as written', () => {
    const env = { PYTHONPATH: '../contract/python', LANG: 'C.UTF-8' };
    expect(readServerPackage(packageWith({ ...valid, env }))).toMatchObject({ env });
    expect(problems({ ...valid, env: { PORT: '3000' } })).toEqual([
      [
        'loopbench.env',
        'names "PORT": a variable\'s name is letters, digits and _, and not one the harness sets (PORT, HOST, WORKERS, SERVER_TIMING, DATABASE_URL, DB_POOL)',
      ],
    ]);
    expect(problems({ ...valid, env: { 'NO-DASH': 'x', N: 1 } })).toEqual([
      ['loopbench.env', expect.stringMatching(/^names "NO-DASH": a variable's name is letters, digits and _/)],
      ['loopbench.env.N', 'must be a string'],
    ]);
    expect(problems({ ...valid, env: ['PYTHONPATH=..'] })).toEqual([
      ['loopbench.env', 'must be an object of environment variables, e.g. {"PYTHONPATH": "../contract/python"}'],
    ]);
  });

  it('names every problem at once, each by its JSON path, in an error that names the file', () => {
    const dir = packageWith({
      name: 'Demo',
      model: 'thread-pool',
      start: ['node', 3],
      install: 'apt-get install x',
      exceptions: { 'slow-client': '' },
    });
    expect(() => readServerPackage(dir)).toThrow(
      `${path.join(dir, 'package.json')}: loopbench.name must be lower-case letters, digits and dashes, e.g. "koa"; ` +
        'loopbench.analogue must name the Python setup it stands for; loopbench.start[1] must be a string, one argument; ' +
        'loopbench.exceptions["slow-client"] must give the reason; ' +
        'loopbench.poolSize is the thread count of a "thread-pool" server, e.g. 40, and only of one; loopbench.install goes with "requires"',
    );
    expect(problems(5)).toEqual([['loopbench', expect.stringMatching(/^must be an object/)]]);
  });
});

describe('jsonPath', () => {
  it('writes keys as JavaScript does: dotted names, indexes and quoted keys', () => {
    expect(jsonPath([])).toBe('loopbench');
    expect(jsonPath(['requires', 'python3', 0])).toBe('loopbench.requires.python3[0]');
    expect(jsonPath(['exceptions', 'slow-client'])).toBe('loopbench.exceptions["slow-client"]');
  });
});

describe('loopbench.schema.json', () => {
  const schemaFile = new URL('../loopbench.schema.json', import.meta.url);

  it('is the JSON Schema of the declaration as this code has it', () => {
    const committed = JSON.parse(readFileSync(schemaFile, 'utf8'));
    expect(committed, 'loopbench.schema.json is out of date: npm run schema -w @loopbench/contract').toEqual(declarationJsonSchema());
  });

  it('describes every server package of the workspace', () => {
    const schema = declarationJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    const packages = new URL('../../', import.meta.url);
    for (const dir of readdirSync(packages)) {
      if (!existsSync(new URL(`${dir}/package.json`, packages))) continue;
      const manifest = JSON.parse(readFileSync(new URL(`${dir}/package.json`, packages), 'utf8'));
      if (manifest.loopbench === undefined) continue;
      expect(readServerPackage(path.join(packages.pathname, dir))).toBeDefined();
      expect(Object.keys(manifest.loopbench).filter((key) => !(key in schema.properties))).toEqual([]);
      expect(schema.required.filter((key) => !(key in manifest.loopbench))).toEqual([]);
    }
  });
});

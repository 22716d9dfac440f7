import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, ResultsFileError, readResults, writeFileAtomic } from './results.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file behind', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-results-'));
    const file = path.join(dir, 'nested', 'results.json');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(path.dirname(file))).toEqual(['results.json']);
  });
});

describe('readResults', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-results-'));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('reads a file of this schema and version', () => {
    const file = write('ok.json', JSON.stringify({ schema: RESULTS_SCHEMA, schemaVersion: RESULTS_SCHEMA_VERSION, scenarios: [] }));
    expect(readResults(file).scenarios).toEqual([]);
  });

  it.each([
    ['broken.json', '{"schema":', /cannot read it as JSON/],
    ['other.json', '{"name":"package"}', /not a loopbench results file/],
    [
      'future.json',
      JSON.stringify({ schema: RESULTS_SCHEMA, schemaVersion: 99, scenarios: [] }),
      /schema version 99; this loopbench reads version 1/,
    ],
  ])('refuses %s', (name, content, message) => {
    const file = write(name, content);
    expect(() => readResults(file)).toThrow(ResultsFileError);
    expect(() => readResults(file)).toThrow(message);
  });
});

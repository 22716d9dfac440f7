import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../analysis/compare.js';
import { scenarioText, verdictFor } from '../render/describe.js';
import { renderMarkdown } from '../render/markdown.js';
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

  const v1 = readFileSync(fileURLToPath(new URL('./fixtures/results-v1.json', import.meta.url)), 'utf8');
  // biome-ignore lint/suspicious/noExplicitAny: the tests edit parsed JSON in place, whatever its shape.
  const edited = (edit: (results: any) => void) => {
    const results = JSON.parse(v1);
    edit(results);
    return JSON.stringify(results);
  };

  it('reads a file of this schema and version', () => {
    const file = write(
      'ok.json',
      edited((r) => Object.assign(r, { schemaVersion: RESULTS_SCHEMA_VERSION, scenarios: [] })),
    );
    expect(readResults(file).scenarios).toEqual([]);
  });

  it.each([
    ['null.json', 'null', /not a loopbench results file/],
    ['no-environment.json', edited((r) => delete r.environment), /results\.environment is undefined, not an object/],
    [
      'metrics-array.json',
      edited((r) => {
        r.scenarios[1].results[0].metrics = [];
      }),
      /results\.scenarios\[1\]\.results\[0\]\.metrics is an array, not an object/,
    ],
    [
      'metric-text.json',
      edited((r) => {
        r.scenarios[0].results[1].metrics.blockingIndex.median = 'low';
      }),
      /results\.scenarios\[0\]\.results\[1\]\.metrics\.blockingIndex\.median is string, not a number/,
    ],
  ])('refuses %s, saying where it is wrong', (name, content, message) => {
    const file = write(name, content);
    expect(() => readResults(file)).toThrow(ResultsFileError);
    expect(() => readResults(file)).toThrow(message);
  });

  it.each([
    ['broken.json', '{"schema":', /cannot read it as JSON/],
    ['other.json', '{"name":"package"}', /not a loopbench results file/],
    [
      'future.json',
      JSON.stringify({ schema: RESULTS_SCHEMA, schemaVersion: 99, scenarios: [] }),
      /schema version 99; this loopbench reads versions 1 and 2/,
    ],
  ])('refuses %s', (name, content, message) => {
    const file = write(name, content);
    expect(() => readResults(file)).toThrow(ResultsFileError);
    expect(() => readResults(file)).toThrow(message);
  });
});

describe('a version-1 results file (written by loopbench before verdicts were made when rendering)', () => {
  const file = fileURLToPath(new URL('./fixtures/results-v1.json', import.meta.url));
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { scenarios: { id: string; verdict: string; title: string }[] };

  it('reads as the current version, numbers only', () => {
    const results = readResults(file);
    expect(results.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(results.scenarios.map((s) => s.id)).toEqual(['head-of-line', 'io-bound', 'mixed', 'mixed-share']);
    for (const scenario of results.scenarios) expect(Object.keys(scenario)).not.toContain('verdict');
  });

  it('gets the same verdicts, made anew from its numbers, as it stored', () => {
    const results = readResults(file);
    for (const [i, scenario] of results.scenarios.entries()) {
      expect(verdictFor(scenario)).toBe(stored.scenarios[i]?.verdict);
      expect(scenarioText(scenario).title).toBe(stored.scenarios[i]?.title);
    }
  });

  it('renders and compares like a file of this version', () => {
    const results = readResults(file);
    expect(renderMarkdown(results)).toContain('| head-of-line | /fast latency (ms) |');
    const comparison = compareResults(results, results, 10);
    expect(comparison.changes.length).toBeGreaterThan(20);
    expect(comparison.changes.every((c) => c.verdict === 'unchanged')).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaProblems } from './ajv.testing.js';
import { readResults } from './results.js';
import { sampleResults } from './results.testing.js';
import { resultsJsonSchema } from './schema.js';

const committed = new URL('../../results.schema.json', import.meta.url);
const v1 = new URL('./fixtures/results-v1.json', import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: the tests break parsed JSON in place, whatever its shape.
type Edit = (results: any) => void;
/** As it is on disk: NaN and infinities become null. */
const onDisk = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('results.schema.json', () => {
  it('is the JSON Schema of the zod schema the reader uses (else: npm run schema -w @loopbench/harness)', () => {
    expect(JSON.parse(readFileSync(committed, 'utf8')), 'results.schema.json is out of date: npm run schema -w @loopbench/harness').toEqual(
      resultsJsonSchema(),
    );
  });
});

describe('ajv, an independent validator, with results.schema.json', () => {
  it('accepts the files the tests build', () => {
    expect(schemaProblems(onDisk(sampleResults()))).toEqual([]);
    // The version-1 fixture as this loopbench reads it, written out again as version 2.
    expect(schemaProblems(onDisk(readResults(fileURLToPath(v1))))).toEqual([]);
  });

  it('accepts NaN and infinities as they are written, null', () => {
    const sample = sampleResults();
    const koa = sample.scenarios[0]?.results[0];
    if (!koa) throw new Error('the sample has a server');
    koa.metrics.throughputRps = { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
    koa.theory = [
      { metric: 'maxInFlight', measured: 1, expected: 0, low: 0, high: 0, difference: Number.POSITIVE_INFINITY, agrees: false },
    ];
    expect(schemaProblems(onDisk(sample))).toEqual([]);
  });

  const broken = (edit: Edit) => {
    const results = onDisk(sampleResults());
    edit(results);
    return results;
  };

  it.each<[string, Edit, string]>([
    [
      'a generator pid as text',
      (r) => {
        r.scenarios[0].results[0].runs[0].generators[0].pid = '4242';
      },
      '/scenarios/0/results/0/runs/0/generators/0/pid must be integer',
    ],
    [
      'an unknown metric',
      (r) => {
        r.scenarios[0].results[0].runs[0].values.speed = 1;
      },
      '/scenarios/0/results/0/runs/0/values must be equal to one of the allowed values',
    ],
    [
      'a missing environment',
      (r) => {
        delete r.environment;
      },
      "/ must have required property 'environment'",
    ],
    [
      'another version',
      (r) => {
        r.schemaVersion = 4;
      },
      '/schemaVersion must be equal to constant',
    ],
  ])('refuses %s, as the reader does', (_name, edit, problem) => {
    expect(schemaProblems(broken(edit))).toContain(problem);
  });
});

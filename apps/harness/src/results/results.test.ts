import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../analysis/compare.js';
import { findingFor, scenarioText } from '../render/describe.js';
import { renderMarkdown } from '../render/markdown.js';
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, ResultsFileError, readResults, writeFileAtomic } from './results.js';
import { sampleResults } from './results.testing.js';

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
    ['no-environment.json', edited((r) => delete r.environment), /no-environment\.json: environment: missing/],
    [
      'metrics-array.json',
      edited((r) => {
        r.scenarios[1].results[0].metrics = [];
      }),
      /: scenarios\[1\]\.results\[0\]\.metrics: Invalid input: expected record, received array/,
    ],
    [
      'metric-text.json',
      edited((r) => {
        r.scenarios[0].results[1].metrics.blockingIndex.median = 'low';
      }),
      /: scenarios\[0\]\.results\[1\]\.metrics\.blockingIndex\.median: Invalid input: expected number, received string/,
    ],
    [
      'histogram.json',
      edited((r) => {
        const run = r.scenarios[2].results[0].runs[1];
        run.latencyHistogram = `${run.latencyHistogram.slice(0, 30)}QUJD${run.latencyHistogram.slice(34)}`;
      }),
      /histogram\.json: scenarios\[2\]\.results\[0\]\.runs\[1\]\.latencyHistogram: not a compressed HDR histogram \(.+\); it is not a results file this loopbench wrote, or it was edited$/,
    ],
    [
      'generator.json',
      edited((r) => {
        r.scenarios[1].results[1].runs[2].generator.eventLoopDelayP99Ms = '2 ms';
      }),
      /: scenarios\[1\]\.results\[1\]\.runs\[2\]\.generator\.eventLoopDelayP99Ms: Invalid input: expected number, received string/,
    ],
    [
      'unknown-metric.json',
      edited((r) => {
        r.scenarios[0].results[0].runs[0].values.speed = 1;
      }),
      /: scenarios\[0\]\.results\[0\]\.runs\[0\]\.values: Unrecognized key: "speed"/,
    ],
    [
      'model.json',
      edited((r) => {
        r.scenarios[0].results[0].model = 'asynchronous';
      }),
      /: scenarios\[0\]\.results\[0\]\.model: Invalid option: expected one of "blocking"\|"non-blocking"\|"thread-pool"/,
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
      /schema version 99; this loopbench reads versions 1, 2, 3/,
    ],
  ])('refuses %s', (name, content, message) => {
    const file = write(name, content);
    expect(() => readResults(file)).toThrow(ResultsFileError);
    expect(() => readResults(file)).toThrow(message);
  });
});

describe('a version-2 file, every field checked', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-results-'));
  let count = 0;
  const write = (results: unknown) => {
    count += 1;
    const file = path.join(dir, `results-${count}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    return file;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the tests break parsed JSON in place, whatever its shape.
  const broken = (edit: (results: any) => void) => {
    const results = JSON.parse(JSON.stringify(sampleResults()));
    edit(results);
    return write(results);
  };

  it('reads back as it was written, with every optional field', () => {
    const sample = sampleResults();
    expect(readResults(write(sample))).toEqual(sample);
  });

  it('reads a number written as null (it was NaN or infinite) as NaN: not measured, as in the run', () => {
    const sample = sampleResults();
    const [koa] = sample.scenarios[0]?.results ?? [];
    if (!koa) throw new Error('the sample has a server');
    koa.metrics.throughputRps = { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
    koa.theory = [
      { metric: 'maxInFlight', measured: 1, expected: 0, low: 0, high: 0, difference: Number.POSITIVE_INFINITY, agrees: false },
    ];
    const read = readResults(write(sample)).scenarios[0]?.results[0];
    expect(read?.metrics.throughputRps?.median).toBeNaN();
    expect(read?.theory[0]?.difference).toBeNaN();
    // Where null is a value of its own (a server with no event loop), it stays null.
    expect(read?.runs[0]?.timeline?.samples[0]?.[2]).toBeNull();
  });

  it('says where a generator reading deep in a run has the wrong type', () => {
    const file = broken((r) => {
      r.scenarios[0].results[0].runs[0].generators[0].pid = '4242';
    });
    expect(() => readResults(file)).toThrow(ResultsFileError);
    expect(() => readResults(file)).toThrow(
      `${file}: scenarios[0].results[0].runs[0].generators[0].pid: Invalid input: expected number, received string; it is not a results file this loopbench wrote, or it was edited`,
    );
  });

  it('says where a histogram does not decode', () => {
    const file = broken((r) => {
      r.scenarios[0].results[0].runs[0].latencyHistogram = 'SElTVEZBQUFBR04=';
    });
    expect(() => readResults(file)).toThrow(/: scenarios\[0\]\.results\[0\]\.runs\[0\]\.latencyHistogram: not a compressed HDR histogram/);
  });

  it('gives the first three problems and counts the rest', () => {
    const file = broken((r) => {
      r.complete = 'yes';
      r.environment.cpuCount = 2.5;
      r.scenarios[0].kind = 'closed';
      r.scenarios[0].results[0].runs[0].timeline.requests[0] = [0, 1, 2];
    });
    expect(() => readResults(file)).toThrow(
      /: complete: Invalid input: expected boolean, received string; environment\.cpuCount: Invalid input: expected int, received number; scenarios\[0\]\.kind: Invalid option: .+ \(and 1 more\);/,
    );
  });

  it('reads a file from before --generators and --seed: one generator, no seed', () => {
    const file = broken((r) => {
      delete r.options.generators;
      delete r.options.seed;
    });
    const { options } = readResults(file);
    expect(options.generators).toBe(1);
    expect(options.seed).toBeUndefined();
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
      expect(findingFor(scenario)).toBe(stored.scenarios[i]?.verdict);
      expect(scenarioText(scenario).title).toBe(stored.scenarios[i]?.title);
    }
  });

  it('reads its theory checks, which had no interval, with low and high NaN (not recorded)', () => {
    const checks = readResults(file).scenarios.flatMap((s) => s.results.flatMap((r) => r.theory));
    expect(checks.length).toBeGreaterThan(10);
    for (const check of checks) {
      expect(check.low).toBeNaN();
      expect(check.high).toBeNaN();
    }
  });

  it('as version 2 it reads the same; a version-3 check without its interval is refused', () => {
    const stored2 = JSON.parse(readFileSync(file, 'utf8'));
    stored2.schemaVersion = 2;
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-v2-'));
    const v2 = path.join(dir, 'results.json');
    writeFileSync(v2, JSON.stringify(stored2));
    expect(readResults(v2).scenarios[1]?.results[0]?.theory[0]?.low).toBeNaN();
    stored2.schemaVersion = 3;
    writeFileSync(v2, JSON.stringify(stored2));
    expect(() => readResults(v2)).toThrow(/theory\[0\]\.low: missing/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders and compares like a file of this version', () => {
    const results = readResults(file);
    expect(renderMarkdown(results)).toContain('| head-of-line | /fast latency (ms) |');
    const comparison = compareResults(results, results, 10);
    expect(comparison.changes.length).toBeGreaterThan(20);
    expect(comparison.changes.every((c) => c.verdict === 'unchanged')).toBe(true);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../main.testing.js';

/** A default run's file (express-blocking and koa: head-of-line, io-bound, mixed, mixed-share; 3 runs each). */
type File = {
  complete: boolean;
  command: string[];
  options: Record<string, unknown> & { scenarios: string[] };
  scenarios: {
    id: string;
    parameters: Record<string, number | string>;
    results: { server: string; metrics: Record<string, { median: number; min: number; max: number; runs: number[] }> }[];
  }[];
};
const fixture = (): File =>
  JSON.parse(readFileSync(fileURLToPath(new URL('../../results/fixtures/results-v1.json', import.meta.url)), 'utf8'));

function write(name: string, results: File): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'loopbench-compare-')), name);
  writeFileSync(file, JSON.stringify(results));
  return file;
}

/** Every metric of the scenario's servers scaled by `factor`: /fast five times quicker, say. */
function scale(scenario: File['scenarios'][number], factor: number) {
  for (const result of scenario.results)
    for (const m of Object.values(result.metrics)) {
      m.runs = m.runs.map((x) => x * factor);
      Object.assign(m, { median: m.median * factor, min: m.min * factor, max: m.max * factor });
    }
}

describe('compare refuses what it cannot compare (#27)', () => {
  it('exits 2, not 0, when the files share no server, and says what to run instead', async () => {
    const python = fixture();
    for (const s of python.scenarios) for (const r of s.results) r.server = r.server === 'koa' ? 'fastapi' : 'flask';
    python.command = ['loopbench', 'run', '--servers', 'flask,fastapi', '--out', 'results/python'];
    const before = write('default.json', fixture());
    const after = write('python.json', python);
    const { code, out, err } = await cli('compare', before, after);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(
      `error: nothing to compare: ${before} (before) and ${after} (after) hold no scenario and server measured the same way in both:\n` +
        '  head-of-line · flask, fastapi: only in after\n  head-of-line · express-blocking, koa: only in before\n',
    );
    expect(err).toContain(
      `To compare, run again as ${before} was run: \`npx loopbench run\`; then \`npx loopbench compare ${before} <its results.json>\`.`,
    );
    // The other way round, the command to run again is python.json's, without the --out that would write over it.
    expect((await cli('compare', after, before)).err).toContain('`npx loopbench run --servers flask,fastapi`');
  });

  it('exits 2, not 1, for a quick head-of-line at 200 ms against a full one at 1,000 ms, naming what differs', async () => {
    const quick = fixture();
    quick.options = { ...quick.options, quick: true, durationS: 0.25, scenarios: ['head-of-line'] };
    quick.command = ['loopbench', 'run', '--quick', '--scenario', 'head-of-line'];
    quick.scenarios = quick.scenarios.filter((s) => s.id === 'head-of-line');
    Object.assign(quick.scenarios[0] as File['scenarios'][number], { parameters: { workers: 1, sleepMs: 200, offsetMs: 20 } });
    scale(quick.scenarios[0] as File['scenarios'][number], 1 / 5);
    const before = write('quick.json', quick);
    const after = write('full.json', fixture());
    for (const json of [[], ['--json']]) {
      const { code, out, err } = await cli('compare', before, after, ...json);
      expect(code).toBe(2);
      expect(err).toContain(
        '  head-of-line · express-blocking, koa: run with other settings: quick true → false, sleepMs 200 → 1000, offsetMs 20 → 100\n',
      );
      expect(err).toContain('  io-bound · express-blocking, koa: only in after\n');
      expect(err).toContain('`npx loopbench run --quick --scenario head-of-line`');
      if (json.length > 0) expect(JSON.parse(out)).toMatchObject({ changes: [], regressions: [] });
    }
  });

  it('compares the scenarios run the same way, lists the rest, and exits 0 when none of those regressed', async () => {
    const other = fixture();
    const headOfLine = other.scenarios[0] as File['scenarios'][number];
    headOfLine.parameters = { ...headOfLine.parameters, sleepMs: 200, offsetMs: 20 };
    scale(headOfLine, 5);
    const { code, out } = await cli('compare', write('before.json', fixture()), write('after.json', other));
    expect(out).toContain(
      'left out, not compared:\n  head-of-line · express-blocking, koa: run with other settings: sleepMs 1000 → 200, offsetMs 100 → 20\n',
    );
    expect(out).not.toMatch(/^head-of-line ·/m);
    expect(out).toMatch(/^io-bound · koa +throughputRps .* unchanged/m);
    expect(code).toBe(0);
  });

  it('still exits 1 when a scenario run the same way regressed', async () => {
    const slower = fixture();
    scale(slower.scenarios.find((s) => s.id === 'io-bound') as File['scenarios'][number], 0.5);
    const { code, out } = await cli('compare', write('before.json', fixture()), write('after.json', slower));
    expect(out).toMatch(/^io-bound · koa +throughputRps .* regressed/m);
    expect(code).toBe(1);
  });

  it('says when a file is incomplete, and what it lacks', async () => {
    const interrupted = fixture();
    interrupted.complete = false;
    interrupted.scenarios = interrupted.scenarios.slice(0, 2);
    const after = write('interrupted.json', interrupted);
    const { code, out, err } = await cli('compare', write('before.json', fixture()), after);
    expect(err).toContain(
      `warning: ${after} (after) is incomplete: its run was interrupted or is still under way; it lacks mixed, mixed-share\n`,
    );
    expect(out).toContain('  mixed · express-blocking, koa: not run in after: that run stopped before it\n');
    expect(code).toBe(0);
  });
});

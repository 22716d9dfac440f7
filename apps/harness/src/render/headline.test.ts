import type { Model } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { summarize } from '../analysis/stats.js';
import type { ScenarioResult } from '../results/results.js';
import { resultsOf, serverResultOf } from '../results/results.testing.js';
import { renderMarkdown } from './markdown.js';

const measured = (server: string, model: Model, metric: 'fastLatencyMs' | 'throughputRps', runs: number[]) =>
  serverResultOf(server, { [metric]: summarize(runs) }, model);

const scenario = (id: string, kind: ScenarioResult['kind'], results: ScenarioResult['results']): ScenarioResult => ({
  id,
  kind,
  valid: true,
  parameters: {},
  results,
});

const asyncDef = (id: string, [def, async, pool, koa]: number[]) =>
  scenario(id, 'fixed-count', [
    measured('fastapi', 'non-blocking', 'throughputRps', [async as number]),
    measured('fastapi-def', 'thread-pool', 'throughputRps', [def as number]),
    measured('koa', 'non-blocking', 'throughputRps', [koa as number]),
    measured('worker-pool', 'thread-pool', 'throughputRps', [pool as number]),
  ]);

const articles = resultsOf([
  scenario('article-dummy', 'head-of-line', [
    measured('flask', 'blocking', 'fastLatencyMs', [2_703]),
    measured('flask-gunicorn', 'blocking', 'fastLatencyMs', [2_702]),
    measured('fastapi', 'non-blocking', 'fastLatencyMs', [2.12]),
    measured('fastapi-trap', 'blocking', 'fastLatencyMs', [2_704]),
    measured('express-blocking', 'blocking', 'fastLatencyMs', [2_704]),
    measured('koa', 'non-blocking', 'fastLatencyMs', [2.01]),
  ]),
  scenario('article-utilisation', 'closed-loop', [
    measured('flask', 'blocking', 'throughputRps', [19.5]),
    measured('fastapi', 'non-blocking', 'throughputRps', [188]),
    measured('fastapi-trap', 'blocking', 'throughputRps', [19.6]),
    measured('express-blocking', 'blocking', 'throughputRps', [19.7]),
    measured('koa', 'non-blocking', 'throughputRps', [194]),
  ]),
  asyncDef('article-hello', [3_393, 6_441, 3_700, 4_431]),
  asyncDef('article-cpu', [37.5, 47.5, 1_130, 1_497]),
  asyncDef('article-workers-cpu', [48.9, 56.8, 750, 1_986]),
]);

/** The headline table: the lines between the environment's paragraph and the next heading. */
const headline = (markdown: string) => markdown.slice(markdown.indexOf('\n|'), markdown.indexOf('\n###')).trim().split('\n');

describe("summary.md's headline table", () => {
  it("compares each article's own pair and their Node analogues, with no row left empty (#27)", () => {
    const table = headline(renderMarkdown(articles));
    expect(table[0]).toBe("| scenario | metric | the article's pair | ratio | their Node analogues | ratio | theory |");
    expect(table.slice(2)).toEqual([
      '| article-dummy | /fast latency (ms) | flask 2,703 · fastapi 2.12 | 0.001× | express-blocking 2,704 · koa 2.01 | 0.001× | – |',
      '| article-utilisation | throughput (req/s) | flask 19.5 · fastapi 188 | 9.64× | express-blocking 19.7 · koa 194 | 9.85× | – |',
      '| article-hello | throughput (req/s) | fastapi-def 3,393 · fastapi 6,441 | 1.90× | worker-pool 3,700 · koa 4,431 | 1.20× | – |',
      '| article-cpu | throughput (req/s) | fastapi-def 37.5 · fastapi 47.5 | 1.27× | worker-pool 1,130 · koa 1,497 | 1.32× | – |',
      '| article-workers-cpu | throughput (req/s) | fastapi-def 48.9 · fastapi 56.8 | 1.16× | worker-pool 750 · koa 1,986 | 2.65× | – |',
    ]);
  });

  it('says which servers did not run, and keeps the pair table of the default suite beside it', () => {
    const hello = asyncDef('article-hello', [3_393, 6_441, 3_700, 4_431]);
    const withoutPython = resultsOf([
      scenario('io-bound', 'closed-loop', [
        measured('express-blocking', 'blocking', 'throughputRps', [19.7]),
        measured('koa', 'non-blocking', 'throughputRps', [194]),
      ]),
      { ...hello, results: hello.results.filter((r) => !r.server.startsWith('fastapi')) },
    ]);
    const markdown = renderMarkdown(withoutPython);
    expect(markdown).toContain('| io-bound | throughput (req/s) | 19.7 | 194 | 9.85× | – |');
    expect(markdown).toContain(
      '| article-hello | throughput (req/s) | fastapi-def – · fastapi – | – | worker-pool 3,700 · koa 4,431 | 1.20× | – |',
    );
    expect(markdown).not.toContain('| article-hello | throughput (req/s) | – |');
  });
});

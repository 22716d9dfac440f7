import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS } from '../catalogue/suites.js';
import { DEFAULT_OPTIONS } from './options.js';
import { databasePoolOf, hasPlan, planScenario } from './plans.js';

describe('plans', () => {
  it('give every scenario of the catalogue its kind, with quick and full settings', () => {
    for (const scenario of ALL_SCENARIOS) {
      for (const quick of [false, true]) {
        const bound = planScenario(scenario, { ...DEFAULT_OPTIONS, quick });
        expect(bound.kind, scenario.id).toBe(scenario.kind);
      }
    }
  });

  it("give a database scenario's DB_POOL to a pooled server's theory, and one connection to a blocking server", () => {
    const scenario = (id: string) => {
      const found = ALL_SCENARIOS.find((s) => s.id === id);
      if (!found) throw new Error(`the catalogue has no ${id}`);
      return found;
    };
    const evidence = (model: 'blocking' | 'non-blocking', databasePool?: number) => ({
      model,
      cpuOffload: false,
      ...(databasePool === undefined ? {} : { databasePool }),
      cores: 2,
      metrics: {},
      warmup: {},
      otherCores: 0,
    });
    const limited = planScenario(scenario('pool-limited'), DEFAULT_OPTIONS);
    expect(limited.parameters).toMatchObject({ target: '/query?ms=50', connections: 20 });
    expect(limited.expect(evidence('non-blocking', 10)).throughputRps?.expected).toBe(100);
    expect(limited.expect(evidence('blocking')).throughputRps?.expected).toBe(20);
    // The articles' scenario sets no pool: each server's own declaration.
    const article = planScenario(scenario('article-database'), { ...DEFAULT_OPTIONS, quick: true });
    expect(article.parameters.target).toBe('/query?ms=20');
    expect(article.expect(evidence('non-blocking', 8)).databaseQueriesMax?.expected).toBe(8);
    expect(databasePoolOf({}, 5)).toBeUndefined();
  });

  it('refuse a scenario the catalogue has and the plans do not', () => {
    const unknown = { ...(ALL_SCENARIOS[0] as (typeof ALL_SCENARIOS)[number]), id: 'no-such-scenario' };
    expect(hasPlan(unknown.id)).toBe(false);
    expect(() => planScenario(unknown, DEFAULT_OPTIONS)).toThrow(/no plan/);
  });

  it('refuse a plan whose kind is not the one the catalogue names', () => {
    const hello = ALL_SCENARIOS.find((s) => s.id === 'hello');
    if (!hello) throw new Error('the catalogue has no hello scenario');
    expect(() => planScenario({ ...hello, kind: 'open-loop' }, DEFAULT_OPTIONS)).toThrow(/closed-loop/);
  });
});

import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS } from '../catalogue/suites.js';
import { DEFAULT_OPTIONS } from './options.js';
import { hasPlan, planScenario } from './plans.js';

describe('plans', () => {
  it('give every scenario of the catalogue its kind, with quick and full settings', () => {
    for (const scenario of ALL_SCENARIOS) {
      for (const quick of [false, true]) {
        const bound = planScenario(scenario, { ...DEFAULT_OPTIONS, quick });
        expect(bound.kind, scenario.id).toBe(scenario.kind);
      }
    }
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

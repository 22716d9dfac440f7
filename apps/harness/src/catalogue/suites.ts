import { ARTICLE_SCENARIOS } from './articles.js';
import { DATABASE_SCENARIOS } from './database.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

/** The suites `run --suite` takes: the default one, the articles' own experiments, and the database's. */
export const SUITES = { default: SCENARIOS, articles: ARTICLE_SCENARIOS, database: DATABASE_SCENARIOS } as const satisfies Record<
  string,
  readonly Scenario[]
>;

export type SuiteName = keyof typeof SUITES;

export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

export const ALL_SCENARIOS: readonly Scenario[] = [...SCENARIOS, ...ARTICLE_SCENARIOS, ...DATABASE_SCENARIOS];

/** Whether a scenario waits in a database: the run then needs one. */
export const usesDatabase = (scenario: Pick<Scenario, 'database'>) => scenario.database !== undefined;

export function scenarioById(id: string): Scenario | undefined {
  return ALL_SCENARIOS.find((s) => s.id === id);
}

/** The servers a suite runs when --servers is not given: the articles' pair, or every server the suite's scenarios name. */
export function suiteServers(suite: SuiteName, headline: readonly string[]): string[] {
  if (suite === 'default') return [...headline];
  return [...new Set(SUITES[suite].flatMap((s) => s.servers ?? []))];
}

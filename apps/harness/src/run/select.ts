import type { ServerPackage } from '@loopbench/contract';
import { HEADLINE_SERVERS, SCENARIO_ALIASES, type Scenario } from '../catalogue/scenarios.js';
import { ALL_SCENARIOS, SUITES, type SuiteName, usesDatabase } from '../catalogue/suites.js';
import { DATABASE_URL_EXAMPLE } from './database.js';
import { type Discovery, unavailableLines } from './discover.js';
import { UsageError } from './errors.js';

/**
 * The servers named by --servers: a comma list, or "all" (every available one); default the
 * suite's servers (the articles' pair). Naming a server that cannot run here is an error that gives the install command.
 */
export function selectServers(
  discovery: Pick<Discovery, 'servers' | 'unavailable'>,
  names: readonly string[] | undefined,
  defaults: readonly string[] = HEADLINE_SERVERS,
): ServerPackage[] {
  const available = discovery.servers;
  if (available.length === 0 && discovery.unavailable.length === 0) {
    throw new UsageError('no server packages found in the workspace (a package.json with a "loopbench" field)');
  }
  if (names === undefined) {
    const chosen = available.filter((s) => defaults.includes(s.name));
    return chosen.length > 0 ? chosen : [...available];
  }
  checkNames('--servers', names, available.map((s) => s.name).join(',') || 'all');
  if (names.includes('all')) return [...available];
  return names.map((name) => {
    const found = available.find((s) => s.name === name);
    const missing = discovery.unavailable.find((u) => u.server.name === name);
    if (missing) throw new UsageError(`${name} cannot run here: ${missing.reason}; install with: ${missing.install}`);
    if (!found) {
      throw new UsageError(
        `unknown server "${name}"; give --servers ${[...available.map((s) => s.name), ...discovery.unavailable.map((u) => u.server.name)].sort().join(',')} or --servers all (see loopbench list)`,
      );
    }
    return found;
  });
}

/** A list option that names nothing, or one name twice, is a mistake, not a default. */
function checkNames(flag: string, names: readonly string[], example: string): void {
  if (names.length === 0) throw new UsageError(`${flag} names nothing; give ${flag} ${example}, or leave it out for the default`);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new UsageError(`${flag} names "${twice}" twice; give each once`);
}

/** The scenarios named by --scenario (ids or aliases, of any suite), in suite order; default the whole suite. */
export function selectScenarios(ids: readonly string[] | undefined, suite: SuiteName = 'default'): Scenario[] {
  if (ids === undefined) return [...SUITES[suite]];
  checkNames('--scenario', ids, SUITES[suite].map((s) => s.id).join(','));
  const wanted = new Set<string>();
  for (const id of ids) {
    const expanded = SCENARIO_ALIASES[id] ?? [id];
    for (const one of expanded) {
      if (!ALL_SCENARIOS.some((s) => s.id === one)) {
        const known = [...ALL_SCENARIOS.map((s) => s.id), ...Object.keys(SCENARIO_ALIASES)].join(', ');
        throw new UsageError(`unknown scenario "${id}"; give one of ${known} (see loopbench list)`);
      }
      wanted.add(one);
    }
  }
  return ALL_SCENARIOS.filter((s) => wanted.has(s.id));
}

/**
 * The servers a run wanted that cannot run here, one line each with the install command: every such
 * server for --servers all, else those named (or the suite's defaults) that are unavailable.
 */
export function unavailableWanted(
  discovery: Pick<Discovery, 'unavailable'>,
  names: readonly string[] | undefined,
  defaults: readonly string[] = HEADLINE_SERVERS,
): string[] {
  const wanted = names?.includes('all') ? undefined : (names ?? defaults);
  return unavailableLines(discovery.unavailable.filter((u) => wanted === undefined || wanted.includes(u.server.name)));
}

/**
 * The selected scenarios that can run here: those on /query only where a database can be had. When it
 * cannot, they are left out with what to type (one line each), as unavailable servers are; it is a
 * usage error when they were named with --scenario, or are all that was selected.
 */
export function withDatabase(
  scenarios: readonly Scenario[],
  { named, unavailable }: { named: boolean; unavailable: { reason: string; install: string } | undefined },
): { scenarios: Scenario[]; leftOut: string[] } {
  const needing = scenarios.filter(usesDatabase);
  if (!unavailable || needing.length === 0) return { scenarios: [...scenarios], leftOut: [] };
  const how = `install with: ${unavailable.install}, or give --database-url ${DATABASE_URL_EXAMPLE}`;
  if (named || needing.length === scenarios.length) {
    const ids = needing.map((s) => s.id).join(', ');
    throw new UsageError(`${ids} cannot run here: ${unavailable.reason}; ${how}`);
  }
  return {
    scenarios: scenarios.filter((s) => !usesDatabase(s)),
    leftOut: needing.map((s) => `${s.id}: ${unavailable.reason}; ${how}`),
  };
}

import type { ServerPackage } from '@loopbench/contract';
import type { Discovery } from './discover.js';
import { UsageError } from './errors.js';
import { SCENARIO_ALIASES, SCENARIOS, type Scenario } from './scenarios.js';
import { HEADLINE_SERVERS } from './verdicts.js';

/**
 * The servers named by --servers: a comma list, or "all" (every available one); default the
 * articles' pair. Naming a server that cannot run here is an error that gives the install command.
 */
export function selectServers(
  discovery: Pick<Discovery, 'servers' | 'unavailable'>,
  names: readonly string[] | undefined,
): ServerPackage[] {
  const available = discovery.servers;
  if (available.length === 0 && discovery.unavailable.length === 0) {
    throw new UsageError('no server packages found in the workspace (a package.json with a "loopbench" field)');
  }
  if (names === undefined) {
    const headline = available.filter((s) => (HEADLINE_SERVERS as readonly string[]).includes(s.name));
    return headline.length > 0 ? headline : [...available];
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

/** The scenarios named by --scenario (ids or aliases), in suite order; default all. */
export function selectScenarios(ids: readonly string[] | undefined): Scenario[] {
  if (ids === undefined) return [...SCENARIOS];
  checkNames('--scenario', ids, SCENARIOS.map((s) => s.id).join(','));
  const wanted = new Set<string>();
  for (const id of ids) {
    const expanded = SCENARIO_ALIASES[id] ?? [id];
    for (const one of expanded) {
      if (!SCENARIOS.some((s) => s.id === one)) {
        const known = [...SCENARIOS.map((s) => s.id), ...Object.keys(SCENARIO_ALIASES)].join(', ');
        throw new UsageError(`unknown scenario "${id}"; give one of ${known} (see loopbench list)`);
      }
      wanted.add(one);
    }
  }
  return SCENARIOS.filter((s) => wanted.has(s.id));
}

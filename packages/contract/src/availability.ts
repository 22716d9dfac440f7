import { spawnSync } from 'node:child_process';
import type { ServerDeclaration } from './declaration.js';

export type Availability =
  | {
      available: true;
      /** Versions of the modules it requires, where they have one. */
      versions: Record<string, string>;
    }
  | { available: false; reason: string; install: string };

/** Prints {"module": "version"} for every module, or exits 3 naming the first that does not import. */
const IMPORT_SCRIPT = `
import importlib, json, sys
versions = {}
for name in sys.argv[1:]:
    try:
        module = importlib.import_module(name)
    except Exception as error:
        print(f"cannot import {name} ({error})")
        sys.exit(3)
    versions[name] = str(getattr(module, "__version__", ""))
print(json.dumps(versions))
`;

const cache = new Map<string, Availability>();

/**
 * Whether a server can run here: what it requires from outside npm (Python modules its interpreter,
 * start[0], must import) is installed. Answered once per process and declaration.
 */
export function checkAvailability(server: Pick<ServerDeclaration, 'name' | 'start' | 'requires' | 'install'>): Availability {
  const modules = server.requires?.python3;
  if (!modules) return { available: true, versions: {} };
  const interpreter = server.start[0] as string;
  const key = JSON.stringify([interpreter, modules]);
  const known = cache.get(key);
  if (known) return known;
  const result = spawnSync(interpreter, ['-c', IMPORT_SCRIPT, ...modules], { encoding: 'utf8', timeout: 20_000 });
  const install = server.install ?? '';
  let availability: Availability;
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    availability = { available: false, reason: missing ? `${interpreter} not found` : `${interpreter}: ${result.error.message}`, install };
  } else if (result.status !== 0) {
    const said = result.stdout.trim() || result.stderr.trim().split('\n').at(-1) || `exit code ${result.status}`;
    availability = { available: false, reason: `${interpreter} ${said}`, install };
  } else {
    availability = { available: true, versions: JSON.parse(result.stdout) as Record<string, string> };
  }
  cache.set(key, availability);
  return availability;
}

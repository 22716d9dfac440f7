/** A setting from the environment that cannot be used; serve() exits 2 with its message. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface IntegerRange {
  min: number;
  max: number;
  /** The value the error message suggests; the fallback unless given. */
  example?: number;
}

/**
 * An integer setting from the environment: unset or empty gives `fallback`; anything but plain
 * digits within [min, max] throws a ConfigError that names the variable, the range and an example,
 * so a typo fails at start instead of running with NaN or a silent default.
 */
export function integerFromEnv(
  name: string,
  fallback: number,
  { min, max, example = fallback }: IntegerRange,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)}), e.g. ${name}=${example}`);
  }
  return value;
}

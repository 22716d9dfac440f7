import { describe, expect, it } from 'vitest';
import { ConfigError, integerFromEnv } from './env.js';

describe('integerFromEnv', () => {
  const range = { min: 1, max: 64 };

  it('gives the fallback when the variable is unset or empty', () => {
    expect(integerFromEnv('WORKERS', 1, range, {})).toBe(1);
    expect(integerFromEnv('WORKERS', 1, range, { WORKERS: '' })).toBe(1);
  });

  it('reads plain digits within the range, its ends included', () => {
    expect(integerFromEnv('WORKERS', 1, range, { WORKERS: '1' })).toBe(1);
    expect(integerFromEnv('WORKERS', 1, range, { WORKERS: '64' })).toBe(64);
    expect(integerFromEnv('WORKERS', 1, range, { WORKERS: '007' })).toBe(7);
  });

  it('reads process.env by default', () => {
    expect(integerFromEnv('LOOPBENCH_SURELY_UNSET_VARIABLE', 5, range)).toBe(5);
  });

  it.each(['0', '65', 'two', '1.5', '-1', '+2', ' 2', '1e1', '0x10', '99999999999999999999'])(
    'refuses %j, naming the variable and the range',
    (raw) => {
      const read = () => integerFromEnv('WORKERS', 1, { ...range, example: 2 }, { WORKERS: raw });
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(`WORKERS must be an integer from 1 to 64 (got ${JSON.stringify(raw)}), e.g. WORKERS=2`);
    },
  );

  it('suggests the fallback when no example is given', () => {
    expect(() => integerFromEnv('POOL_THREADS', 40, { min: 1, max: 256 }, { POOL_THREADS: 'x' })).toThrow('e.g. POOL_THREADS=40');
  });
});

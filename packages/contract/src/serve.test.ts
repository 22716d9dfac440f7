import { describe, expect, it } from 'vitest';
import { ConfigError, readServeEnv } from './serve.js';

describe('readServeEnv', () => {
  it('defaults to loopback, any free port, one process', () => {
    expect(readServeEnv({})).toEqual({ host: '127.0.0.1', port: 0, workers: 1 });
  });

  it('reads HOST, PORT and WORKERS', () => {
    expect(readServeEnv({ HOST: '::1', PORT: '3000', WORKERS: '4' })).toEqual({ host: '::1', port: 3000, workers: 4 });
  });

  it.each([
    [{ PORT: '-1' }, /PORT must be an integer from 0 to 65535 \(got "-1"\), e\.g\. PORT=3000/],
    [{ PORT: '65536' }, /PORT must be an integer/],
    [{ PORT: '80.5' }, /PORT must be an integer/],
    [{ WORKERS: '0' }, /WORKERS must be an integer from 1 to 64 \(got "0"\), e\.g\. WORKERS=2/],
    [{ WORKERS: '65' }, /WORKERS must be/],
  ])('refuses %j', (env, message) => {
    expect(() => readServeEnv(env)).toThrow(ConfigError);
    expect(() => readServeEnv(env)).toThrow(message);
  });
});

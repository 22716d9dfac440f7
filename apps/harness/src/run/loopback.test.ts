import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', '192.168.1.10', '::', '::ffff:10.0.0.1', 'example.com', '128.0.0.1', ''])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

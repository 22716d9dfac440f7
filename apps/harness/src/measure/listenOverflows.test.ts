import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readListenOverflows } from './listenOverflows.js';

describe('readListenOverflows', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-netstat-'));

  it('reads the TcpExt ListenOverflows counter', () => {
    const file = path.join(dir, 'netstat');
    writeFileSync(file, 'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 17 17\nIpExt: InNoRoutes\nIpExt: 0\n');
    expect(readListenOverflows(file)).toBe(17);
  });

  it('gives undefined where the counter cannot be read', () => {
    expect(readListenOverflows(path.join(dir, 'missing'))).toBeUndefined();
    const file = path.join(dir, 'other');
    writeFileSync(file, 'IpExt: InNoRoutes\nIpExt: 0\n');
    expect(readListenOverflows(file)).toBeUndefined();
  });
});

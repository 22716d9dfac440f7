#!/usr/bin/env node
// The contract's own cost: /hello throughput of each server beside a minimal app of its framework
// (bench/minimal/), beside itself without Server-Timing and beside a second process of itself (the
// noise floor between processes), measured by wrk in alternating rounds against one process of
// each (the others frozen meanwhile): each round's ratios, then their median.
// Usage: node scripts/overhead.mjs [rounds=7] [--pin] [--seconds=2] [server …]
//   servers: koa node-http express-async (the default: all three)
//   --pin: wrk on core 0 and the servers on core 1 (taskset), for steadier figures.
// Needs wrk (Debian: apt-get install wrk) and a build (npx turbo run build).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerPackage, request, startServer, stopAllServers } from '@loopbench/contract';
import { requireWrk, wrk } from './wrk.mjs';

const MINIMAL = { koa: 'koa.mjs', 'node-http': 'node-http.mjs', 'express-async': 'express.mjs' };
const LIMIT = 0.9;

const args = process.argv.slice(2);
const usage = `usage: node scripts/overhead.mjs [rounds=7] [--pin] [--seconds=2] [${Object.keys(MINIMAL).join(' ')}]`;
const unknown = args.filter((a) => !/^\d+$/.test(a) && !/^--seconds=\d+$/.test(a) && a !== '--pin' && !(a in MINIMAL));
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown.join(' ')}\n${usage}`);
  process.exit(2);
}
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 7);
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 2);
const pin = args.includes('--pin');
const names = args.filter((a) => a in MINIMAL);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
requireWrk();
const wrap = pin ? { wrap: ['taskset', '-c', '1'] } : {};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const minimalPackage = (name) => ({
  name: `${name} (minimal)`,
  model: 'non-blocking',
  analogue: '',
  start: [process.execPath, MINIMAL[name]],
  packageName: '',
  packageDir: path.join(here, '../bench/minimal'),
});

const lines = [];
process.on('SIGINT', () => stopAllServers().then(() => process.exit(130)));
try {
  for (const name of names.length > 0 ? names : Object.keys(MINIMAL)) {
    const declared = readServerPackage(path.join(root, `packages/server-${name}`));
    const contenders = [
      ['minimal app', await startServer(minimalPackage(name), wrap)],
      ['the server', await startServer(declared, wrap)],
      ['the server, no Server-Timing', await startServer(declared, { ...wrap, env: { SERVER_TIMING: '0' } })],
      // The same server in a second process: how far two processes of one program differ (the noise floor).
      ['the server again', await startServer(declared, wrap)],
    ];
    for (const [, s] of contenders) {
      const reply = await request(`${s.url}/hello`);
      if (reply.status !== 200) throw new Error(`${s.name} answered /hello with ${reply.status}`);
    }
    const measured = new Map(contenders.map(([label]) => [label, []]));
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? contenders : [...contenders].reverse();
      for (const [label, server] of order) {
        for (const [, other] of contenders) if (other !== server) other.pause();
        server.resume();
        wrk(`${server.url}/hello`, 1, { pin });
        measured.get(label).push(wrk(`${server.url}/hello`, seconds, { pin }));
      }
      for (const [, s] of contenders) s.resume();
      console.log(`${name} round ${round}: ${[...measured].map(([l, v]) => `${l} ${v.at(-1).toFixed(0)}`).join(', ')} req/s`);
    }
    for (const [, s] of contenders) await s.stop();
    // Ratios within a round, then their median: the machine drifts between rounds more than within one.
    const perRound = (a, b) => measured.get(a).map((v, i) => v / measured.get(b)[i]);
    const spread = (xs) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
    const ratios = perRound('the server', 'minimal app');
    const timing = perRound('the server', 'the server, no Server-Timing');
    const again = perRound('the server', 'the server again');
    const m = Object.fromEntries([...measured].map(([l, v]) => [l, median(v)]));
    lines.push(
      `${name.padEnd(14)} minimal ${m['minimal app'].toFixed(0).padStart(6)}  server ${m['the server'].toFixed(0).padStart(6)}  without Server-Timing ${m['the server, no Server-Timing'].toFixed(0).padStart(6)}  server/minimal ${spread(ratios)} ${median(ratios) >= LIMIT ? '✓' : '✗'}  with/without Server-Timing ${spread(timing)}  server/itself in another process ${spread(again)}`,
    );
  }
} finally {
  await stopAllServers();
}
console.log(
  `\n/hello, wrk -t1 -c10, ${rounds} alternating rounds of ${seconds} s, ${pin ? 'pinned (wrk core 0, servers core 1)' : 'not pinned'}; medians (req/s):`,
);
for (const line of lines) console.log(line);
console.log(
  `ratios: the median of each round's ratio (min–max); ✓ at or above ${LIMIT} (the contract costs at most 10%). server/itself is the same program in two processes: ratios nearer 1 than it differs are noise`,
);

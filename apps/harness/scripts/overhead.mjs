#!/usr/bin/env node
// The contract's own cost: /hello throughput of each server beside a minimal app of its framework
// (bench/minimal/), beside itself without Server-Timing, beside itself while /stats is read every
// 100 ms (as a run's timeline does), and beside a second process of itself (the noise floor), under
// wrk, one process of each with the others frozen. Many short rounds, each contender once per round
// (the order reversed every other round), give per-round ratios: their median and its 95% bootstrap
// interval are printed. Windows of 1 s: this machine's speed drifts by several per cent from one
// second to the next, so nearer windows make steadier ratios.
// Usage: node scripts/overhead.mjs [rounds=20] [--pin] [--seconds=1] [server …]
//   servers: koa node-http express-async (the default: all three)
//   --pin: wrk on core 0 and the servers on core 1 (taskset), for steadier figures.
// Needs wrk (Debian: apt-get install wrk) and a build (npx turbo run build).
import { performance } from 'node:perf_hooks';
import { request, startServer, stopAllServers } from '@loopbench/contract';
import { seededRandom } from '../dist/analysis/random.js';
import { bootstrapMedian, median } from '../dist/analysis/stats.js';
import { sampleStats } from '../dist/measure/timeline.js';
import { LIMITS, MINIMAL, minimalPackage, serverPackage } from './contenders.mjs';
import { requireWrk, wrk } from './wrk.mjs';

const args = process.argv.slice(2);
const usage = `usage: node scripts/overhead.mjs [rounds=20] [--pin] [--seconds=1] [${Object.keys(MINIMAL).join(' ')}]`;
const unknown = args.filter((a) => !/^\d+$/.test(a) && !/^--seconds=\d+$/.test(a) && a !== '--pin' && !(a in MINIMAL));
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown.join(' ')}\n${usage}`);
  process.exit(2);
}
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 1);
if (rounds < 3 || seconds < 1) {
  console.error(`give at least 3 rounds of at least 1 s\n${usage}`);
  process.exit(2);
}
const pin = args.includes('--pin');
const names = args.filter((a) => a in MINIMAL);
requireWrk();
const wrap = pin ? { wrap: ['taskset', '-c', '1'] } : {};

/** Median of the per-round ratios a / b, with its 95% interval. */
function ratioOf(measured, a, b) {
  const ratios = measured.get(a).map((v, i) => v / measured.get(b)[i]);
  const interval = bootstrapMedian(ratios, { resamples: 10_000, confidence: 0.95, random: seededRandom(1) });
  return { median: median(ratios), ...interval };
}
const shown = (r) => `${r.median.toFixed(3)} (${r.low.toFixed(3)}–${r.high.toFixed(3)})`;
const verdict = (r, limit) => (r.low >= limit ? '✓' : r.median >= limit ? '✓ (its interval reaches below)' : '✗');

/** One window of wrk on `server` alone; with `sampled`, /stats is read every 100 ms meanwhile. */
async function measure(server, all, sampled) {
  for (const other of all) if (other !== server) other.pause();
  server.resume();
  const sampler = sampled ? sampleStats(server.url, performance.now()) : undefined;
  try {
    return await wrk(`${server.url}/hello`, seconds, { pin });
  } finally {
    await sampler?.stop();
  }
}

const lines = [];
process.on('SIGINT', () => stopAllServers().then(() => process.exit(130)));
try {
  for (const name of names.length > 0 ? names : Object.keys(MINIMAL)) {
    const declared = serverPackage(name);
    const server = await startServer(declared, wrap);
    // [label, process, /stats sampled]
    const contenders = [
      ['minimal app', await startServer(minimalPackage(name), wrap), false],
      ['server', server, false],
      ['server, /stats read every 100 ms', server, true],
      ['server without Server-Timing', await startServer(declared, { ...wrap, env: { SERVER_TIMING: '0' } }), false],
      // The same server in a second process: how far two processes of one program differ.
      ['server again', await startServer(declared, wrap), false],
    ];
    const processes = [...new Set(contenders.map(([, s]) => s))];
    for (const s of processes) {
      const reply = await request(`${s.url}/hello`);
      if (reply.status !== 200) throw new Error(`${s.name} answered /hello with ${reply.status}`);
    }
    // A first window each, unrecorded: the JIT's warm-up.
    for (const s of processes) await measure(s, processes, false);
    const measured = new Map(contenders.map(([label]) => [label, []]));
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? contenders : [...contenders].reverse();
      for (const [label, s, sampled] of order) measured.get(label).push(await measure(s, processes, sampled));
      process.stdout.write(`\r${name}: round ${round} of ${rounds}`);
    }
    process.stdout.write('\n');
    for (const s of processes) s.resume();
    await Promise.all(processes.map((s) => s.stop()));
    const contract = ratioOf(measured, 'server', 'minimal app');
    const header = ratioOf(measured, 'server', 'server without Server-Timing');
    const split = ratioOf(measured, 'server, /stats read every 100 ms', 'server without Server-Timing');
    const again = ratioOf(measured, 'server', 'server again');
    const rps = (label) => median(measured.get(label)).toFixed(0);
    lines.push(
      `${name}: minimal ${rps('minimal app')}, server ${rps('server')}, without Server-Timing ${rps('server without Server-Timing')} req/s`,
      `  server / minimal app                             ${shown(contract)} ${verdict(contract, LIMITS.contract)}`,
      `  with / without Server-Timing                     ${shown(header)}`,
      `  with Server-Timing and /stats read / without     ${shown(split)} ${verdict(split, LIMITS.split)}`,
      `  server / itself in another process (noise floor) ${shown(again)}`,
    );
  }
} finally {
  await stopAllServers();
}
console.log(`\n/hello, wrk -t1 -c10, ${rounds} rounds of ${seconds} s, ${pin ? 'pinned (wrk core 0, servers core 1)' : 'not pinned'}:`);
for (const line of lines) console.log(line);
console.log(
  `ratios: median of the per-round ratios (95% bootstrap interval); ✓ at or above ${LIMITS.contract} for the contract (it costs at most 10%), ${LIMITS.split} for the header with /stats read (at most 2%). Two processes of one program differ by the noise floor: ratios nearer 1 than it are noise.`,
);

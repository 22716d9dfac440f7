#!/usr/bin/env node
// What the waiting/served split costs the measured server: /hello throughput with Server-Timing on
// (the default), off (SERVER_TIMING=0), and on with /stats read every 100 ms as the timeline does,
// in alternating rounds against one process of each setting (the others frozen meanwhile).
// Usage: node scripts/timing-cost.mjs [rounds=5] [--pin] [server=koa] [server …]
// --pin: the generator on core 0 and the servers on core 1 (taskset), for steadier figures.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerPackage, request, startServer } from '@loopbench/contract';
import { generateClosedLoop, stopGenerators } from '../dist/measure/generators.js';
import { median } from '../dist/stats.js';

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const pin = args.includes('--pin');
const names = args.filter((a) => !/^\d+$/.test(a) && a !== '--pin');
if (pin) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const wrap = pin ? { wrap: ['taskset', '-c', '1'] } : {};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const load = { connections: 10, warmupS: 0.5, durationS: 2, timeoutS: 30 };

for (const name of names.length > 0 ? names : ['koa']) {
  const declared = readServerPackage(path.join(root, `packages/server-${name}`));
  if (!declared) {
    console.error(`no server package packages/server-${name}`);
    process.exit(2);
  }
  const on = await startServer(declared, wrap);
  const off = await startServer(declared, { ...wrap, env: { SERVER_TIMING: '0' } });
  const settings = [
    ['header on', on, false],
    ['header off', off, false],
    ['header on, /stats sampled', on, true],
  ];
  const measured = new Map(settings.map(([label]) => [label, []]));
  // The server's own CPU time per request (µs, from /stats): less at the mercy of the generator than throughput.
  const cpuPerRequest = new Map(settings.map(([label]) => [label, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      // A different order each round, so a drifting machine does not favour one setting.
      const order = round % 2 === 1 ? settings : [...settings].reverse();
      for (const [label, server, sampled] of order) {
        for (const other of [on, off]) if (other !== server) other.pause();
        server.resume();
        const before = (await request(`${server.url}/stats`)).json;
        const result = await generateClosedLoop({
          url: `${server.url}/hello`,
          ...load,
          ...(sampled ? { timeline: { statsUrl: server.url } } : {}),
        });
        const after = (await request(`${server.url}/stats`)).json;
        const cpuMs = after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs;
        measured.get(label).push(result.throughputRps);
        cpuPerRequest.get(label).push((cpuMs * 1000) / (after.requestsHandled - before.requestsHandled));
      }
      console.log(
        `${name} round ${round}: ${settings.map(([label]) => `${label} ${measured.get(label).at(-1).toFixed(0)}`).join(', ')} req/s`,
      );
    }
  } finally {
    on.resume();
    off.resume();
    await Promise.all([on.stop(), off.stop()]);
  }
  const base = median(measured.get('header off'));
  const baseCpu = median(cpuPerRequest.get('header off'));
  for (const [label] of settings) {
    const m = median(measured.get(label));
    const cpu = median(cpuPerRequest.get(label));
    console.log(
      `${name}: ${label}: median ${m.toFixed(0)} req/s = ${(m / base).toFixed(3)} × header off; CPU ${cpu.toFixed(1)} µs/request = ${(cpu / baseCpu).toFixed(3)} ×`,
    );
  }
}
await stopGenerators();

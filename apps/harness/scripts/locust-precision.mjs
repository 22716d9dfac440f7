#!/usr/bin/env node
// What a request costs the measurement under each generator: one connection on koa's /fast, a
// closed loop, from the built-in generator (autocannon in a Node process) and from one Locust worker
// (geventhttpclient in a Python process), in alternating rounds on the same server. A connection at
// a time leaves nothing but the client, the loopback and the server in each latency: the difference
// of the medians is what the Python client adds per request, and its CPU per request says what it
// spends. Usage: node scripts/locust-precision.mjs [rounds=5] [--seconds=3]
// Needs a build (npx turbo run build) and Debian's python3-locust.
import { startServer, stopAllServers } from '@loopbench/contract';
import { median } from '../dist/analysis/stats.js';
import { generateClosedLoop } from '../dist/measure/generators.js';
import { locustAvailability } from '../dist/measure/locust.js';
import { stopGenerators, useLocust } from '../dist/measure/pool.js';
import { serverPackage } from './contenders.mjs';

const args = process.argv.slice(2);
const usage = 'usage: node scripts/locust-precision.mjs [rounds=5] [--seconds=3]';
if (args.some((a) => !/^\d+$/.test(a) && !/^--seconds=\d+(\.\d+)?$/.test(a))) {
  console.error(`unknown argument\n${usage}`);
  process.exit(2);
}
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 3);
const locust = locustAvailability();
if (!locust.available) {
  console.error(`Locust: ${locust.reason}; install with: ${locust.install}`);
  process.exit(2);
}

const server = await startServer(serverPackage('koa'));
const options = { url: `${server.url}/fast`, connections: 1, warmupS: 0.5, durationS: seconds, timeoutS: 10 };
const figures = { 'built-in': [], locust: [] };
/** One window: the latency percentiles, and the generator's CPU per request in µs. */
async function window(name) {
  const load = await generateClosedLoop(options, 1);
  const [health] = load.generators;
  const wallS = options.warmupS + load.windowMs / 1000;
  const requests = load.responses;
  figures[name].push({
    p50: load.latencyMs.p50,
    p99: load.latencyMs.p99,
    rps: load.throughputRps,
    cpuUs: ((health.cpuUtilization * wallS) / requests) * 1e6,
  });
}
try {
  for (let round = 0; round < rounds; round++) {
    // Alternating which goes first, so a drift of the machine's speed falls on both alike.
    const order = round % 2 === 0 ? ['built-in', 'locust'] : ['locust', 'built-in'];
    for (const name of order) {
      if (name === 'locust') await useLocust({ workers: 1, bindHost: '127.0.0.1', localWorkers: true, connectTimeoutS: 30 });
      await window(name);
      await stopGenerators();
    }
    process.stderr.write(`round ${round + 1} of ${rounds}\n`);
  }
} finally {
  await stopGenerators();
  await stopAllServers(2_000);
}
const of = (name, key) => median(figures[name].map((f) => f[key]));
console.log(`koa /fast, 1 connection, closed loop, ${rounds} rounds of ${seconds} s (medians over rounds); Locust ${locust.version}`);
console.log('generator   p50 (ms)  p99 (ms)  req/s  generator CPU per request (µs)');
for (const name of ['built-in', 'locust']) {
  console.log(
    `${name.padEnd(10)}  ${of(name, 'p50').toFixed(3).padStart(8)}  ${of(name, 'p99').toFixed(3).padStart(8)}  ${of(name, 'rps').toFixed(0).padStart(5)}  ${of(name, 'cpuUs').toFixed(0).padStart(6)}`,
  );
}
const ratios = figures.locust.map((f, i) => f.p50 / figures['built-in'][i].p50);
console.log(`p50 locust / built-in, per round: median ${median(ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(', ')})`);

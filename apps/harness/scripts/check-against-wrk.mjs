#!/usr/bin/env node
// Cross-checks the harness's closed-loop generator (in its own process, as a run uses it) against
// wrk on /hello: one process per server, rounds alternating servers and generators (the other
// servers frozen meanwhile), then each generator's ratios between servers and their quotient.
// The lab's claims are ratios, so the two generators must agree on those within ±10%.
// Usage: node scripts/check-against-wrk.mjs [rounds=5] [--pin] [--seconds=3] [--generators=1]
//   --pin: the generators on core 0, the servers on core 1 (taskset).
//   --generators: the harness's generator processes, as `loopbench run --generators`; a window in
//   which one was over 90% busy is counted as generator-bound, as a run would mark it.
// Needs wrk (Debian: apt-get install wrk) and a build (npx turbo run build).
import { execFileSync } from 'node:child_process';
import { startServer, stopAllServers } from '@loopbench/contract';
import { median } from '../dist/analysis/stats.js';
import { isGeneratorBound } from '../dist/measure/generator.js';
import { generateClosedLoop } from '../dist/measure/generators.js';
import { stopGenerators } from '../dist/measure/pool.js';
import { serverPackage } from './contenders.mjs';
import { requireWrk, wrk } from './wrk.mjs';

const SERVERS = ['express-blocking', 'koa', 'node-http'];
const PAIRS = [
  ['koa', 'express-blocking'],
  ['node-http', 'koa'],
];
const TOLERANCE = 0.1;

const args = process.argv.slice(2);
const unknown = args.filter((a) => !/^\d+$/.test(a) && !/^--(seconds|generators)=\d+$/.test(a) && a !== '--pin');
if (unknown.length > 0) {
  console.error(
    `unknown argument ${unknown.join(' ')}\nusage: node scripts/check-against-wrk.mjs [rounds=5] [--pin] [--seconds=3] [--generators=1]`,
  );
  process.exit(2);
}
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 3);
const generators = Number(args.find((a) => a.startsWith('--generators='))?.slice(13) ?? 1);
const pin = args.includes('--pin');
const connections = 10;
requireWrk();
// The generator processes inherit this process's core.
if (pin) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
/** Windows of each server in which a generator of the harness was over 90% busy. */
const bound = new Map(SERVERS.map((s) => [s, 0]));
const harness = async (name, url) => {
  const result = await generateClosedLoop({ url, connections, warmupS: 1, durationS: seconds, timeoutS: 30 }, generators);
  if (isGeneratorBound(result.generators)) bound.set(name, bound.get(name) + 1);
  return result.throughputRps;
};

process.on('SIGINT', () => stopAllServers().then(() => process.exit(130)));
const measured = { harness: new Map(SERVERS.map((s) => [s, []])), wrk: new Map(SERVERS.map((s) => [s, []])) };
try {
  const servers = [];
  for (const name of SERVERS) {
    servers.push([name, await startServer(serverPackage(name), pin ? { wrap: ['taskset', '-c', '1'] } : {})]);
  }
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? servers : [...servers].reverse();
    for (const [name, server] of order) {
      for (const [, other] of servers) if (other !== server) other.pause();
      server.resume();
      const url = `${server.url}/hello`;
      // Which generator goes first alternates too.
      const both = round % 2 === 1 ? ['harness', 'wrk'] : ['wrk', 'harness'];
      for (const generator of both) {
        if (generator === 'wrk') {
          await wrk(url, 1, { connections, pin });
          measured.wrk.get(name).push(await wrk(url, seconds, { connections, pin }));
        } else measured.harness.get(name).push(await harness(name, url));
      }
    }
    for (const [, s] of servers) s.resume();
    console.log(
      `round ${round}: ${SERVERS.map((n) => `${n} harness ${measured.harness.get(n).at(-1).toFixed(0)} / wrk ${measured.wrk.get(n).at(-1).toFixed(0)}`).join(', ')} req/s`,
    );
  }
} finally {
  await Promise.all([stopAllServers(), stopGenerators()]);
}
const m = (generator, name) => median(measured[generator].get(name));
console.log(
  `\n/hello, ${connections} connections, ${rounds} rounds of ${seconds} s, ${generators} harness generator${generators === 1 ? '' : 's'}, ${pin ? 'pinned (generators core 0, servers core 1)' : 'not pinned'}; medians:`,
);
for (const name of SERVERS) {
  console.log(
    `${name.padEnd(17)} harness ${m('harness', name).toFixed(0).padStart(6)}  wrk ${m('wrk', name).toFixed(0).padStart(6)} req/s  harness/wrk ${(m('harness', name) / m('wrk', name)).toFixed(3)}${bound.get(name) > 0 ? `  (generator-bound in ${bound.get(name)} of ${rounds} windows)` : ''}`,
  );
}
let agree = true;
for (const [a, b] of PAIRS) {
  const ours = m('harness', a) / m('harness', b);
  const theirs = m('wrk', a) / m('wrk', b);
  const quotient = ours / theirs;
  const ok = Math.abs(quotient - 1) <= TOLERANCE;
  agree &&= ok;
  console.log(
    `${`${a} / ${b}`.padEnd(27)} harness ${ours.toFixed(3)}  wrk ${theirs.toFixed(3)}  quotient ${quotient.toFixed(3)} ${ok ? '✓' : '✗'} (within ±${TOLERANCE * 100}%)`,
  );
}
process.exitCode = agree ? 0 : 1;

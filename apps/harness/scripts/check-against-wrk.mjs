#!/usr/bin/env node
// Cross-checks the harness's closed-loop generator against wrk on one koa process: rounds alternate
// the two generators (same connections, same warm-up and duration) and the medians are compared.
// Usage: node scripts/check-against-wrk.mjs [rounds=7] [--pin]   (needs wrk: apt-get install wrk)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerPackage, startServer } from '@loopbench/contract';
import { runClosedLoop } from '../dist/measure/closedLoop.js';
import { median } from '../dist/stats.js';

const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 7);
const pin = process.argv.includes('--pin');
const connections = 10;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (error) {
  if (error.code === 'ENOENT') {
    console.error('wrk is not installed (Debian: apt-get install wrk)');
    process.exit(2);
  }
}
if (pin) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const server = await startServer(readServerPackage(path.join(root, 'packages/server-koa')), pin ? { wrap: ['taskset', '-c', '1'] } : {});
const url = `${server.url}/hello`;
const wrk = (seconds) => {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, url];
  const out = execFileSync(pin ? 'taskset' : 'wrk', pin ? ['-c', '0', 'wrk', ...args] : args, { encoding: 'utf8' });
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
};
const ours = [];
const theirs = [];
try {
  for (let i = 1; i <= rounds; i++) {
    ours.push((await runClosedLoop({ url, connections, warmupS: 1, durationS: 3, timeoutS: 30 })).throughputRps);
    wrk(1);
    theirs.push(wrk(3));
    console.log(`round ${i}: harness ${ours.at(-1).toFixed(0)} req/s, wrk ${theirs.at(-1).toFixed(0)} req/s`);
  }
} finally {
  await server.stop();
}
const ratio = median(ours) / median(theirs);
console.log(
  `koa /hello, ${connections} connections, ${pin ? 'pinned' : 'not pinned'}: harness median ${median(ours).toFixed(0)} req/s (${Math.min(...ours).toFixed(0)}–${Math.max(...ours).toFixed(0)}), wrk median ${median(theirs).toFixed(0)} req/s (${Math.min(...theirs).toFixed(0)}–${Math.max(...theirs).toFixed(0)}), ratio ${ratio.toFixed(3)}`,
);

#!/usr/bin/env node
// The contract's cost counted, not timed: instructions per /hello answer on each server's main
// thread, under valgrind's callgrind, for the minimal app of its framework (bench/minimal/), the
// server and the server without Server-Timing, and per /stats read. A count does not drift with this
// machine's speed as throughput does (processes of one contender agree to about 1%, express-async's
// to 3%), so it can tell a 1% cost apart. It counts user space only: the kernel's part of an answer
// (one read and one writev for each of these apps) is the same for all, so the counts are turned
// into throughput ratios by the user share of each server's native CPU time.
// Usage: node scripts/instructions.mjs [--answers=3000] [--warm-up=20000] [--connections=1] [--repeats=3] [server …]
//   servers: koa node-http express-async (the default: all three)
// Needs valgrind (Debian: apt-get install valgrind), wrk (for the native CPU time per answer) and a build.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request, startServer, stopAllServers } from '@loopbench/contract';
import autocannon from 'autocannon';
import { median } from '../dist/analysis/stats.js';
import { LIMITS, MINIMAL, minimalPackage, serverPackage } from './contenders.mjs';
import { requireTool, requireWrk, wrk } from './wrk.mjs';

const run = promisify(execFile);
const STATS_READS = 200;
/** How often a run's timeline reads /stats (measure/timeline.ts). */
const SAMPLES_PER_SECOND = 10;

const args = process.argv.slice(2);
const OPTIONS = { answers: 3_000, 'warm-up': 20_000, connections: 1, repeats: 3 };
const usage = `usage: node scripts/instructions.mjs [--answers=3000] [--warm-up=20000] [--connections=1] [--repeats=3] [${Object.keys(MINIMAL).join(' ')}]`;
const options = { ...OPTIONS };
for (const arg of args) {
  const option = /^--([a-z-]+)=(\d+)$/.exec(arg);
  if (option && option[1] in OPTIONS && Number(option[2]) >= 1) options[option[1]] = Number(option[2]);
  else if (!(arg in MINIMAL)) {
    console.error(`unknown argument ${arg}\n${usage}`);
    process.exit(2);
  }
}
const names = args.filter((a) => a in MINIMAL);
requireTool('callgrind_control', ['--version'], 'valgrind');
requireWrk();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loopbench-callgrind-'));
/** Callgrind with counting off until told; JIT code is rewritten in place, hence --smc-check. */
const valgrind = ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', '--smc-check=all-non-file'];

async function load(url, amount) {
  const result = await autocannon({ url, connections: options.connections, amount });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} answers not 2xx, ${result.errors} errors`);
}

/**
 * vgdb finds a process by a FIFO named after the user and HOST, and a server is started with HOST set
 * to the address it listens on: without the same HOST, callgrind_control finds nothing.
 */
const control = (...argv) => run('callgrind_control', argv, { env: { ...process.env, HOST: '127.0.0.1' } });

/** Instructions of the main thread (thread 1) from the next dump of the process's callgrind file. */
async function counted(pid, file, dump, work) {
  await control('-i', 'on', String(pid));
  await work();
  await control('-i', 'off', String(pid));
  await control('-d', String(pid));
  // The process writes its dump when it next runs, after callgrind_control has returned.
  const written = `${file}.${pid}.${dump}-01`;
  for (let waited = 0; waited < 30_000; waited += 100) {
    const totals = fs.existsSync(written) ? /^totals: (\d+)$/m.exec(fs.readFileSync(written, 'utf8')) : null;
    if (totals) return Number(totals[1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`callgrind wrote no dump to ${written}`);
}

/** Per /hello answer and, with `stats`, per /stats read, of one contender started under callgrind. */
async function count(label, declared, env, stats) {
  const file = path.join(dir, label.replaceAll(/\W+/g, '-'));
  process.stdout.write(`  ${label}: starting under valgrind…`);
  const server = await startServer(declared, { wrap: [...valgrind, `--callgrind-out-file=${file}.%p`], env, readyTimeoutMs: 120_000 });
  try {
    const hello = `${server.url}/hello`;
    process.stdout.write(`\r  ${label}: ${options['warm-up']} answers of warm-up…   `);
    await load(hello, options['warm-up']);
    process.stdout.write(`\r  ${label}: counting ${options.answers} answers…        `);
    const perAnswer = (await counted(server.pid, file, 1, () => load(hello, options.answers))) / options.answers;
    const readStats = async () => {
      for (let i = 0; i < STATS_READS; i++) await request(`${server.url}/stats`);
    };
    // As many uncounted first: a run reads /stats ten times a second, so its code is warm.
    if (stats) await readStats();
    const perRead = stats ? (await counted(server.pid, file, 2, readStats)) / STATS_READS : undefined;
    process.stdout.write(`\r  ${label}: ${Math.round(perAnswer).toLocaleString('en-US')} per answer              \n`);
    return { perAnswer, perRead };
  } finally {
    await server.stop();
  }
}

/**
 * The server's /hello throughput run natively under wrk, and its CPU time per answer in user space
 * (what the count covers) and in the kernel (from /stats): what turns counts into throughput.
 */
async function throughput(declared) {
  const server = await startServer(declared);
  const cpu = async () => JSON.parse((await request(`${server.url}/stats`)).body);
  try {
    await wrk(`${server.url}/hello`, 1);
    const before = await cpu();
    const rps = await wrk(`${server.url}/hello`, 2);
    const after = await cpu();
    const answers = after.requestsHandled - before.requestsHandled;
    return { rps, userMs: (after.cpuUserMs - before.cpuUserMs) / answers, systemMs: (after.cpuSystemMs - before.cpuSystemMs) / answers };
  } finally {
    await server.stop();
  }
}

const percent = (x) => `${x < 0 ? '−' : '+'}${Math.abs(100 * x).toFixed(2)}%`;
const n = (x) => Math.round(x).toLocaleString('en-US');
/** The median of the repeats, with their range when there are several. */
const spread = (values, show) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 1 ? show(sorted[0]) : `${show(median(sorted))} (${show(sorted[0])} to ${show(sorted.at(-1))})`;
};
const lines = [];
process.on('SIGINT', () =>
  stopAllServers().then(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  }),
);
try {
  for (const name of names.length > 0 ? names : Object.keys(MINIMAL)) {
    const declared = serverPackage(name);
    const contenders = [
      ['minimal app', minimalPackage(name), {}, false],
      ['server', declared, {}, true],
      ['server without Server-Timing', declared, { SERVER_TIMING: '0' }, false],
    ];
    const counts = new Map(contenders.map(([label]) => [label, []]));
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      console.log(`${name}, repeat ${repeat} of ${options.repeats}`);
      // Each repeat starts with the next contender, so none is always first.
      const order = contenders.map((_, i) => contenders[(i + repeat - 1) % contenders.length]);
      for (const [label, pkg, env, stats] of order) counts.get(label).push(await count(label, pkg, env, stats));
    }
    const { rps, userMs, systemMs } = await throughput(declared);
    // The share of an answer's CPU time that the count sees; the kernel's share is the same for each.
    const user = userMs / (userMs + systemMs);
    const per = (label, i) => counts.get(label)[i].perAnswer;
    const repeats = counts.get('server').map((_, i) => i);
    const contract = repeats.map((i) => per('minimal app', i) / per('server', i));
    const contractRps = contract.map((c) => 1 / (user / c + 1 - user));
    const header = repeats.map((i) => per('server', i) / per('server without Server-Timing', i) - 1);
    // Ten reads a second, each its user-space count and an answer's kernel time, of a second's CPU.
    const sampling = counts
      .get('server')
      .map(({ perAnswer, perRead }) => (SAMPLES_PER_SECOND * (userMs * (perRead / perAnswer) + systemMs)) / 1000);
    const splitRps = repeats.map((i) => (1 - sampling[i]) / (1 + header[i] * user));
    const answers = (label) =>
      spread(
        counts.get(label).map((c) => c.perAnswer),
        n,
      );
    lines.push(
      `${name}: instructions per answer: minimal app ${answers('minimal app')}, server ${answers('server')}, without Server-Timing ${answers('server without Server-Timing')}; per /stats read ${spread(
        counts.get('server').map((c) => c.perRead),
        n,
      )}`,
      `  natively: ${n(rps)} req/s, ${(1000 * userMs).toFixed(1)} µs user and ${(1000 * systemMs).toFixed(1)} µs kernel CPU per answer (user share ${user.toFixed(2)})`,
      `  minimal app / server, instructions        ${spread(contract, (x) => x.toFixed(3))}`,
      `  server / minimal app, as throughput       ${spread(contractRps, (x) => x.toFixed(3))} ${median(contractRps) >= LIMITS.contract ? '✓' : '✗'}`,
      `  Server-Timing, instructions               ${spread(header, percent)}`,
      `  /stats read ${SAMPLES_PER_SECOND}× a second, of the CPU      ${spread(sampling, percent)}`,
      `  with both / without, as throughput        ${spread(splitRps, (x) => x.toFixed(3))} ${median(splitRps) >= LIMITS.split ? '✓' : '✗'}`,
    );
  }
} finally {
  await stopAllServers();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\nInstructions on the main thread (callgrind) per /hello answer over ${options.connections} connection${options.connections === 1 ? '' : 's'}, ${options.answers} counted after ${options['warm-up']} uncounted, median of ${options.repeats} process${options.repeats === 1 ? '' : 'es'} each (their range):`,
);
for (const line of lines) console.log(line);
console.log(
  `As throughput: the counted instructions scaled by the user share of the native CPU time, the kernel's part being the same for each contender. ✓ at or above ${LIMITS.contract} for the contract (it costs at most 10%), ${LIMITS.split} for Server-Timing with /stats read (at most 2%).`,
);

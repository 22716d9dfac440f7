#!/usr/bin/env node
// A false-alarm census (#24): default and quick `loopbench run`s one after another, counting per
// theory check (scenario, server, metric, basis) the runs that made it and those where it was ✗,
// with too-few-samples cells, invalid servers and interrupted runs, then printing it as markdown.
// The goal: at most 1% of checks ✗ over 10 default and 20 quick runs. Each run writes into
// <out>/default-01 …, <out>/quick-01 …, its output in <out>/<run>.log; --from re-reads such a
// folder (or any folder of run folders) without running anything.
// Usage: node scripts/census.mjs [--default=10] [--quick=20] [--out=<dir>] [--write=<file.md>] [-- <loopbench run options>]
//        node scripts/census.mjs --from=<dir> [--write=<file.md>]
// Paths are taken from where the command was typed (npm's INIT_CWD under npm run). Needs a build.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const harness = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const base = process.env.INIT_CWD ?? process.cwd();
const usage = [
  'usage: node scripts/census.mjs [--default=10] [--quick=20] [--out=<dir>] [--write=<file.md>] [-- <loopbench run options>]',
  '       node scripts/census.mjs --from=<census dir> [--write=<file.md>]',
].join('\n');
const refuse = (message) => {
  console.error(`${message}\n${usage}`);
  process.exit(2);
};

const argv = process.argv.slice(2);
const cut = argv.indexOf('--');
const own = cut === -1 ? argv : argv.slice(0, cut);
const passed = cut === -1 ? [] : argv.slice(cut + 1);
const given = {};
for (const arg of own) {
  if (arg === '-h' || arg === '--help') {
    console.log(usage);
    process.exit(0);
  }
  const option = /^--(default|quick|out|write|from)=(.*)$/.exec(arg);
  if (!option) {
    const bare = /^--(default|quick|out|write|from)$/.exec(arg);
    refuse(
      bare
        ? `${arg} takes its value after =, e.g. ${arg}=${bare[1] === 'default' ? 10 : bare[1] === 'quick' ? 20 : 'DIR'}`
        : `unknown argument ${arg}${arg.startsWith('-') ? ": loopbench run's own options go after --, e.g. -- --servers koa" : ''}`,
    );
  }
  if (option[1] in given) refuse(`--${option[1]} given twice`);
  if (option[2].trim() === '') refuse(`--${option[1]}= names nothing; e.g. --${option[1]}=${/default|quick/.test(option[1]) ? 1 : 'DIR'}`);
  given[option[1]] = option[2];
}
const runsOf = (name, fallback) => {
  if (given[name] === undefined) return fallback;
  if (!/^\d+$/.test(given[name]) || Number(given[name]) > 1000) refuse(`--${name}=${given[name]}: give a number of runs from 0 to 1000`);
  return Number(given[name]);
};
const counts = { default: runsOf('default', 10), quick: runsOf('quick', 20) };
const from = given.from === undefined ? undefined : path.resolve(base, given.from);
if (from !== undefined) {
  if (['default', 'quick', 'out'].some((name) => name in given) || cut !== -1)
    refuse('--from re-reads a census and runs nothing: leave out --default, --quick, --out and what follows --');
  if (!existsSync(from)) refuse(`--from=${given.from}: no such folder; give a census folder (its --out) or a run's folder`);
} else {
  if (counts.default + counts.quick === 0)
    refuse('no runs to make: give --default=N or --quick=M above 0 (or --from=<dir> to re-read a census)');
  const clash = passed.find((a) => /^--(out|quick|json|help)(=|$)|^-h$/.test(a));
  if (clash?.startsWith('--out')) refuse(`${clash} after --: the census gives each run its own folder; give --out=<dir> before --`);
  if (clash?.startsWith('--quick')) refuse(`${clash} after --: give the number of quick runs with --quick=M before --`);
  if (clash) refuse(`${clash} after --: the census reads each run's results.json; leave it out`);
}

if (!existsSync(path.join(harness, 'dist', 'results', 'results.js'))) {
  console.error('the harness is not built: run `npm run build -w @loopbench/harness` (or `npm run build` at the root) first');
  process.exit(2);
}
const { readResults } = await import('../dist/results/results.js');
const { makeDirectory, writeFileAtomic } = await import('../dist/results/files.js');
const { checksOf, duration, render, tally } = await import('./census-table.mjs');

const META = 'census.json';
const shellWord = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
const commandLine = (words) => words.map(shellWord).join(' ');
const gib = (bytes) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** A run's results, or why there are none; its kind from its own options where it has results. */
function readRun(name, dir, recorded) {
  const file = path.join(dir, 'results.json');
  const byName = name.startsWith('quick-') ? 'quick' : 'default';
  if (!existsSync(file)) return { name, kind: byName, problem: 'no results.json', ...recorded };
  try {
    const results = readResults(file);
    return { name, kind: results.options.quick ? 'quick' : 'default', results, ...recorded };
  } catch (error) {
    return { name, kind: byName, problem: error.message, ...recorded };
  }
}

/** The run folders under `dir` (default-01 …, or any holding a results.json), or `dir` itself when it is one. */
function runFolders(dir) {
  const folders = existsSync(path.join(dir, 'results.json')) ? [{ name: path.basename(dir), dir }] : [];
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (/^(default|quick)-\d+$/.test(e.name) || existsSync(path.join(dir, e.name, 'results.json')))
      folders.push({ name: e.name, dir: path.join(dir, e.name) });
  }
  return folders;
}

/** Prints the census and writes it where --write says; the exit code: 1 when a run left no results. */
function report(runs, header) {
  const census = tally(runs);
  const markdown = render(census, header);
  process.stdout.write(markdown);
  if (given.write !== undefined) {
    const file = path.resolve(base, given.write);
    makeDirectory(path.dirname(file));
    writeFileAtomic(file, markdown);
    console.error(`census written to ${file}`);
  }
  if (census.failed.length > 0)
    console.error(`${census.failed.length} run(s) left no results: ${census.failed.map((r) => r.name).join(', ')}`);
  return census.failed.length > 0 ? 1 : 0;
}

if (from !== undefined) {
  const metaFile = path.join(from, META);
  const meta = existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) : undefined;
  const folders = runFolders(from);
  if (folders.length === 0) refuse(`--from=${given.from}: no run folders (default-01 …) and no results.json in it`);
  const runs = folders.map(({ name, dir }) =>
    readRun(
      name,
      dir,
      meta?.runs?.find((r) => r.name === name),
    ),
  );
  const first = runs.find((r) => r.results)?.results;
  const env = first?.environment;
  const header = meta ?? {
    machine: env ? `${env.cpuModel} × ${env.cpuCount}, ${gib(env.memoryBytes)}, ${env.os}, Node ${env.node}` : 'not recorded',
    date: first?.createdAt,
    firstCommand: first ? commandLine(first.command) : undefined,
  };
  process.exit(report(runs, header));
}

// Running the census.
let out;
if (given.out === undefined) out = mkdtempSync(path.join(os.tmpdir(), 'loopbench-census-'));
else {
  out = path.resolve(base, given.out);
  try {
    makeDirectory(out);
  } catch (error) {
    refuse(`--out=${given.out}: ${error.message}; give a folder you can write to`);
  }
  if (existsSync(path.join(out, META)) || runFolders(out).length > 0)
    refuse(`--out=${given.out} already holds runs: re-read them with --from=${given.out}, or give another --out`);
}
const started = Date.now();
const cpus = os.cpus();
const width = Math.max(2, String(Math.max(counts.default, counts.quick)).length);
const plan = ['default', 'quick'].flatMap((kind) =>
  Array.from({ length: counts[kind] }, (_, i) => ({ kind, index: i + 1, name: `${kind}-${String(i + 1).padStart(width, '0')}` })),
);
const meta = {
  machine: `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${gib(os.totalmem())}, ${os.type()} ${os.release()}, Node ${process.version}`,
  date: new Date(started).toISOString(),
  // As typed at the repository's root, whichever way it was started.
  command: commandLine(['node', path.relative(path.resolve(harness, '../..'), fileURLToPath(import.meta.url)), ...argv]),
  each: `node bin/loopbench.js run [--quick] --out ${shellWord(out)}/<run>${passed.length > 0 ? ` ${commandLine(passed)}` : ''} (in apps/harness)`,
  runs: [],
};
const saveMeta = () => writeFileAtomic(path.join(out, META), `${JSON.stringify(meta, null, 2)}\n`);
saveMeta();

/** The run under way, a child in its own process group (Ctrl-C reaches the census, which stops it). */
let child;
let stopping;
const killGroup = (pid, signal) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
};
process.on('exit', () => {
  if (child) killGroup(child.pid, 'SIGKILL');
});
const onSignal = (signal) => {
  if (stopping || !child) {
    if (child) killGroup(child.pid, 'SIGKILL');
    console.error(`\n${signal}: stopped; the runs so far are in ${out} (re-read them with --from=${out})`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
  stopping = signal;
  console.error(`\n${signal}: stopping the run under way (again to kill it at once)`);
  child.kill('SIGTERM');
  const pid = child.pid;
  setTimeout(() => killGroup(pid, 'SIGKILL'), 20_000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/** One `loopbench run`, its output into <out>/<run>.log; resolves with how it ended. */
function runOnce({ kind, name }) {
  const log = openSync(path.join(out, `${name}.log`), 'w');
  const args = ['bin/loopbench.js', 'run', ...(kind === 'quick' ? ['--quick'] : []), '--out', path.join(out, name), ...passed];
  return new Promise((resolve) => {
    child = spawn(process.execPath, args, { cwd: harness, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    const pid = child.pid;
    child.once('error', (error) => {
      child = undefined;
      resolve({ exitCode: undefined, signal: undefined, spawnError: error.message });
    });
    child.once('exit', (exitCode, signal) => {
      child = undefined;
      // Anything the run left in its group (a build it was in the middle of) goes with it.
      killGroup(pid, 'SIGKILL');
      resolve({ exitCode: exitCode ?? undefined, signal: signal ?? undefined });
    });
  });
}

/** "about 25 min left", from the mean time of each kind's runs so far. */
function timeLeft(done, remaining) {
  let ms = 0;
  const unknown = [];
  for (const kind of ['default', 'quick']) {
    if (remaining[kind] === 0) continue;
    if (done[kind].length === 0) unknown.push(`${remaining[kind]} ${kind} run${remaining[kind] === 1 ? '' : 's'}`);
    else ms += (remaining[kind] * done[kind].reduce((a, b) => a + b, 0)) / done[kind].length;
  }
  if (ms === 0 && unknown.length === 0) return 'done';
  const known = ms > 0 ? `about ${duration(ms)} left` : '';
  return [known, unknown.length > 0 ? `${known ? 'and ' : ''}${unknown.join(' and ')} to time` : ''].filter(Boolean).join(' ');
}

console.error(
  `census: ${counts.default} default and ${counts.quick} quick runs, one after another, into ${out} (each run's output in <run>.log there)`,
);
const runs = [];
const done = { default: [], quick: [] };
const remaining = { ...counts };
let failedSoFar = 0;
let checksSoFar = 0;
for (const item of plan) {
  process.stderr.write(`${item.kind} ${item.index}/${counts[item.kind]} … `);
  const t0 = Date.now();
  const ended = await runOnce(item);
  const ms = Date.now() - t0;
  const recorded = { exitCode: ended.exitCode, signal: ended.signal, ms };
  meta.runs.push({ name: item.name, ...recorded });
  saveMeta();
  const run = readRun(item.name, path.join(out, item.name), recorded);
  if (ended.spawnError) run.problem = `could not start: ${ended.spawnError}`;
  runs.push(run);
  if (stopping) {
    console.error(`stopped; the runs so far are in ${out} (re-read them with --from=${out})`);
    process.exit(stopping === 'SIGINT' ? 130 : 143);
  }
  done[item.kind].push(ms);
  remaining[item.kind]--;
  if (run.results) {
    const { checks, failed } = checksOf(run.results);
    checksSoFar += checks;
    failedSoFar += failed;
    const exit = ended.exitCode ? ` (exit ${ended.exitCode})` : '';
    console.error(
      `${duration(ms)}, ${failed} ✗ of ${checks}${exit}; so far ${failedSoFar} ✗ of ${checksSoFar}; ${timeLeft(done, remaining)}`,
    );
  } else {
    const how = ended.signal ? `stopped by ${ended.signal}` : `exit ${ended.exitCode}`;
    console.error(`${duration(ms)}, ${run.problem} (${how}); ${timeLeft(done, remaining)}`);
    const logFile = path.join(out, `${item.name}.log`);
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-5);
    console.error(`  its log ends (${logFile}):\n${tail.map((line) => `  | ${line}`).join('\n')}`);
  }
}
meta.wallMs = Date.now() - started;
saveMeta();
console.error(`census done in ${duration(meta.wallMs)}: ${out} (re-read it with --from=${out})\n`);
process.exitCode = report(runs, meta);

#!/usr/bin/env node
// Do two generators measure the same thing? The default suite's model-level figures from two
// results.json files (e.g. the built-in generator's and --generator locust's), side by side, each
// with its theory interval: they agree when each median lies inside the other's interval (or, for a
// figure theory has none for, when their repeats' ranges overlap). hello is shown, not compared: on
// a machine the generators share with the server, its throughput is theirs together (each row gives
// the server's CPU per request and the machine's busy cores). Prints a markdown table.
// Usage: node scripts/agreement.mjs A/results.json B/results.json
import { readResults } from '../dist/results/results.js';

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node scripts/agreement.mjs A/results.json B/results.json');
  process.exit(2);
}
const [a, b] = [readResults(fileA), readResults(fileB)];
const name = (results) => (results.options.generator === 'locust' ? `Locust, ${results.options.generators} workers` : 'built-in');

const ROWS = [
  ['io-bound', 'throughputRps', 'io-bound throughput (req/s)'],
  ['head-of-line', 'blockingIndex', 'head-of-line β'],
  ['mixed', 'fastLatencyP99Ms', 'mixed: /fast p99 (ms)'],
  ['mixed-share', 'fastLatencyMeanMs', 'mixed-share: /fast mean (ms)'],
  ['hello', 'throughputRps', 'hello throughput (req/s)', { compared: false }],
];

function figure(results, scenario, server, metric) {
  const result = results.scenarios.find((s) => s.id === scenario)?.results.find((r) => r.server === server);
  if (!result) return undefined;
  const summary = result.metrics[metric];
  // Every run invalid: its problems say why (generator-bound, most often).
  if (!summary) return { missing: [...new Set(result.runs.flatMap((run) => run.problems.map((p) => p.split(':')[0])))].join('; ') };
  const check = result.theory.find((t) => t.metric === metric);
  const bound = result.runs.some((run) => run.generatorBound);
  const cost = result.metrics.cpuPerRequestMs?.median;
  const machine = result.metrics.machineCpuUtilization?.median;
  return { median: summary.median, min: summary.min, max: summary.max, check, bound, cost, machine };
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));
const shown = (f, details) =>
  f.missing !== undefined
    ? `every run invalid: ${f.missing}`
    : `${fmt(f.median)} ${f.check ? `(theory ${fmt(f.check.low)}–${fmt(f.check.high)} ${f.check.agrees ? '✓' : '✗'})` : `(runs ${fmt(f.min)}–${fmt(f.max)})`}${f.bound ? ', generator-bound' : ''}${
        details ? `; server CPU ${fmt(f.cost)} ms per request, machine ${fmt(f.machine)} cores busy` : ''
      }`;
const inside = (v, f) => (f.check ? v >= f.check.low && v <= f.check.high : v >= f.min && v <= f.max);
function agree(x, y) {
  if (x.check && y.check) return inside(x.median, y) && inside(y.median, x);
  return x.min <= y.max && y.min <= x.max;
}

const servers = [...new Set(a.scenarios.flatMap((s) => s.results.map((r) => r.server)))];
console.log(`| figure | server | ${name(a)} | ${name(b)} | agree |`);
console.log('| --- | --- | --- | --- | --- |');
for (const [scenario, metric, label, { compared = true } = {}] of ROWS) {
  for (const server of servers) {
    const [x, y] = [figure(a, scenario, server, metric), figure(b, scenario, server, metric)];
    if (!x || !y) continue;
    const verdict = !compared
      ? 'not compared: bound by the generators sharing the cores'
      : x.missing !== undefined || y.missing !== undefined || x.bound || y.bound
        ? 'generator-bound: not comparable'
        : agree(x, y)
          ? 'yes'
          : 'NO';
    console.log(`| ${label} | ${server} | ${shown(x, !compared)} | ${shown(y, !compared)} | ${verdict} |`);
  }
}

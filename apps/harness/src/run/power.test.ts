import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerPackage } from '@loopbench/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../catalogue/scenarios.js';
import type { MetricName, Results } from '../results/results.js';
import { discoverServers, findWorkspaceRoot } from './discover.js';
import { collectEnvironment } from './environment.js';
import { DEFAULT_OPTIONS, QUICK_OPTIONS } from './options.js';
import { runBenchmarks } from './runner.js';

/**
 * The checks' power: a server declared with the wrong model must fail the headline checks, in every
 * run, at --quick settings. A declaration describes a server and changes nothing of how it runs, so
 * each case runs the real server with a wrong declaration handed to the harness.
 */
const root = findWorkspaceRoot();
const discovery = discoverServers(root);
const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

const silent = { scenarioStart() {}, step() {}, warn() {}, scenarioDone() {} };

async function runMisdeclared(server: ServerPackage, scenarioIds: readonly string[]): Promise<Results> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'loopbench-power-'));
  outDirs.push(outDir);
  const scenarios = SCENARIOS.filter((s) => scenarioIds.includes(s.id));
  const options = { ...DEFAULT_OPTIONS, ...QUICK_OPTIONS, quick: true };
  return runBenchmarks(
    {
      scenarios,
      servers: [server],
      options,
      outDir,
      command: ['power.test'],
      environment: collectEnvironment(root, [server], false, {
        autocannonVersion: 'test',
        generators: 1,
        kinds: scenarios.map((s) => s.kind),
      }),
    },
    silent,
  );
}

interface Case {
  server: string;
  wrong: Partial<ServerPackage>;
  /** Scenario and metric of each headline check the lie must fail. */
  caught: readonly (readonly [string, MetricName])[];
}

const CASES: readonly Case[] = [
  {
    server: 'koa',
    wrong: { model: 'blocking' },
    caught: [
      ['head-of-line', 'blockingIndex'],
      ['io-bound', 'throughputRps'],
      ['io-bound', 'latencyMeanMs'],
    ],
  },
  {
    server: 'express-blocking',
    wrong: { model: 'non-blocking' },
    caught: [
      ['head-of-line', 'blockingIndex'],
      ['io-bound', 'throughputRps'],
      ['io-bound', 'queueShare'],
    ],
  },
  { server: 'fastapi-def', wrong: { poolSize: 4 }, caught: [['io-bound', 'throughputRps']] },
  {
    server: 'worker-pool',
    wrong: { cpuOffload: false },
    caught: [
      ['cpu-bound', 'throughputRps'],
      ['cpu-bound', 'cpuUtilization'],
    ],
  },
];

describe('a server declared with the wrong model fails its headline checks in every run', { timeout: 120_000 }, () => {
  for (const { server: name, wrong, caught } of CASES) {
    const server = discovery.servers.find((s) => s.name === name);
    const why = discovery.unavailable.find((u) => u.server.name === name)?.reason ?? 'not in this workspace';
    // A Python server needs Debian's packages (.ci/run installs them); without them there is nothing to run.
    it.skipIf(!server)(`${name} declared ${JSON.stringify(wrong)}${server ? '' : ` (skipped: ${why})`}`, async () => {
      const results = await runMisdeclared({ ...(server as ServerPackage), ...wrong }, [...new Set(caught.map(([id]) => id))]);
      for (const [scenarioId, metric] of caught) {
        const result = results.scenarios.find((s) => s.id === scenarioId)?.results[0];
        const check = result?.theory.find((t) => t.metric === metric && t.basis === undefined);
        expect(check, `${scenarioId} ${metric} was checked`).toBeDefined();
        expect(check?.agrees, `${scenarioId} ${metric}: ${check?.measured} in ${check?.low}–${check?.high}`).toBe(false);
        const runs = (result?.runs ?? []).filter((r) => r.valid);
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs) {
          const value = run.values[metric] ?? Number.NaN;
          const low = check?.low ?? Number.NaN;
          const high = check?.high ?? Number.NaN;
          expect(value < low || value > high, `run ${run.repeat}: ${metric} ${value} outside ${low}–${high}`).toBe(true);
        }
      }
    });
  }
});

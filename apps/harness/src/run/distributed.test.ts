/**
 * --generator locust across hosts: network namespaces stand for them, each with its own network
 * stack, joined to this one by a veth pair. The harness, the Locust master and the servers run here;
 * one Locust worker runs in each of two namespaces, started with the command the harness prints.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@loopbench/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricName } from '../catalogue/metrics.js';
import { locustAvailability } from '../measure/locust.js';
import { type Results, readResults } from '../results/results.js';
import { buildServers, discoverServers, findWorkspaceRoot } from './discover.js';
import { loopbench } from './loopbench.testing.js';

/** --quick's short windows, twice: the checks' intervals are drawn for windows that short, and CI's time is kept. */
const SHORT = ['--quick'];

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** Why namespaces cannot be made here, or undefined when they can. */
function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = `lbprobe${process.pid}`;
  const made = ip('netns', 'add', probe);
  if (made.error || made.status !== 0) return `ip netns add failed: ${(made.error?.message ?? made.stderr).trim()}`;
  ip('netns', 'del', probe);
  return undefined;
}

const locust = locustAvailability();
const why = namespacesUnavailable() ?? (locust.available ? undefined : `Locust is not installed (${locust.install})`);
const required = process.env.LOOPBENCH_REQUIRE_SERVERS === '1';

/** One worker host: a namespace, its veth pair, and the address the harness's side has on the link. */
interface Host {
  name: string;
  address: string;
  harnessAddress: string;
}

const tag = process.pid % 100_000;
// Two links, each its own /24; the harness side of the first is where servers and master listen.
const hosts: Host[] = [1, 2].map((i) => ({
  name: `lbw${i}-${tag}`,
  address: `10.${76 + i}.${tag % 250}.2`,
  harnessAddress: `10.${76 + i}.${tag % 250}.1`,
}));
const serverAddress = (hosts[0] as Host).harnessAddress;

function check(result: ReturnType<typeof ip>, what: string): void {
  if (result.status !== 0) throw new Error(`${what}: ${result.stderr.trim()}`);
}

function makeHost({ name, address, harnessAddress }: Host, index: number): void {
  const outside = `lbv${index}-${tag}`;
  const inside = `lbp${index}-${tag}`;
  check(ip('netns', 'add', name), `ip netns add ${name}`);
  check(ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside), 'ip link add');
  check(ip('link', 'set', inside, 'netns', name), 'ip link set netns');
  check(ip('addr', 'add', `${harnessAddress}/24`, 'dev', outside), 'ip addr add');
  check(ip('link', 'set', outside, 'up'), 'ip link set up');
  const inNs = (...args: string[]) => ip('netns', 'exec', name, 'ip', ...args);
  check(inNs('addr', 'add', `${address}/24`, 'dev', inside), 'ip addr add (inside)');
  check(inNs('link', 'set', inside, 'up'), 'ip link set up (inside)');
  check(inNs('link', 'set', 'lo', 'up'), 'ip link set lo up');
  // The other link's addresses (the servers') are this host's harness side's: reach them through it.
  check(inNs('route', 'add', 'default', 'via', harnessAddress), 'ip route add default');
}

const value = (results: Results, scenario: string, server: string, metric: MetricName) => {
  const result = results.scenarios.find((s) => s.id === scenario)?.results.find((r) => r.server === server);
  return {
    measured: result?.metrics[metric]?.median as number,
    check: result?.theory.find((t) => t.metric === metric),
  };
};

describe.skipIf(why !== undefined && !required)(
  `--generator locust across hosts: network namespaces${why ? ` (skipped: ${why}; required with LOOPBENCH_REQUIRE_SERVERS=1)` : ''}`,
  { timeout: 240_000 },
  () => {
    const root = findWorkspaceRoot();
    const workers: ChildProcess[] = [];
    beforeAll(() => {
      buildServers(root, discoverServers(root).servers);
      hosts.forEach(makeHost);
    });
    afterAll(() => {
      for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
      // A namespace's end of its veth pair goes with it, and the pair with that end.
      for (const host of hosts) ip('netns', 'del', host.name);
    });

    it('measures io-bound and mixed with a worker in each of two hosts; the counts add up, and io-bound and β agree with the built-in generator', async () => {
      const scenarios = ['head-of-line', 'io-bound', 'mixed'];
      const servers = 'express-blocking,koa';
      const out = mkdtempSync(path.join(tmpdir(), 'loopbench-distributed-'));
      const port = await freePort(serverAddress);
      const run = loopbench([
        'run',
        ...['--generator', 'locust', '--locust-remote', '--generators', '2', '--locust-wait', '60', '--locust-port', String(port)],
        ...['--locust-bind', serverAddress, '--host', serverAddress, '--allow-non-loopback'],
        ...['--scenario', ...scenarios, '--servers', servers, ...SHORT, '--no-build', '--out', out],
      ]);
      const said = await run.said(/on each worker host run[^\n]*\n\s+(\S[^\n]*)\n/);
      const command = /on each worker host run[^\n]*\n\s+(\S[^\n]*)\n/.exec(said)?.[1];
      expect(command, said).toContain(`--worker --master-host ${serverAddress} --master-port ${port}`);
      for (const host of hosts) {
        // `ip netns exec` execs the command: the worker's pid is this child's.
        const worker = spawn('ip', ['netns', 'exec', host.name, ...(command as string).split(' ')], { stdio: 'ignore' });
        workers.push(worker);
      }
      const exit = await run.done;
      expect(exit.code, exit.output).toBe(0);
      const results = readResults(path.join(out, 'results.json'));
      expect(results.options.generator).toBe('locust');
      expect(results.environment.loadGenerator).toMatch(/^Locust .*2 workers per run/);

      const workerPids = workers.map((w) => w.pid);
      const lines = hosts.map(
        (host, i) => `${host.name}: worker pid ${workerPids[i]}, address ${host.address} (via ${host.harnessAddress})`,
      );
      lines.push(`servers and master: ${serverAddress}`);
      for (const id of ['io-bound', 'mixed']) {
        const scenario = results.scenarios.find((s) => s.id === id);
        // An open-loop run a hiccup of the machine delayed past the send-lag limit is invalid, by design, under either generator.
        const problems = scenario?.results.flatMap((r) => r.runs.flatMap((run) => run.problems)) ?? [];
        const allowed = id === 'mixed' ? /^the generator fell behind its plan/ : /^$/;
        expect(
          problems.filter((p) => !allowed.test(p)),
          id,
        ).toEqual([]);
        expect(
          scenario?.results.every((r) => r.metrics.throughputRps ?? r.metrics.fastLatencyP99Ms),
          `${id}: a figure per server`,
        ).toBeTruthy();
        for (const result of scenario?.results ?? []) {
          for (const run of result.runs) {
            const generators = run.generators ?? [];
            // Every run's load came from the two workers in the two hosts, each its share.
            expect(generators.map((g) => g.pid).sort()).toEqual([...workerPids].sort());
            const counts = generators.map((g) => g.requests as number);
            expect(Math.min(...counts)).toBeGreaterThan(0);
            lines.push(`${id} ${result.server} run ${run.repeat}: ${counts.join(' + ')} = ${counts.reduce((a, b) => a + b, 0)} requests`);
          }
        }
      }
      // An open-loop plan is shared out request by request: the workers' counts differ by one at most,
      // and add up to the same plan for every run.
      const mixedTotals = results.scenarios
        .find((s) => s.id === 'mixed')
        ?.results.flatMap((r) => r.runs.map((run) => (run.generators ?? []).reduce((sum, g) => sum + (g.requests as number), 0)));
      expect(new Set(mixedTotals).size).toBe(1);

      // The same scenarios from the built-in generator, on loopback: io-bound and β agree within the intervals.
      const builtIn = loopbench([
        'run',
        '--scenario',
        'head-of-line',
        'io-bound',
        '--servers',
        servers,
        ...SHORT,
        '--no-build',
        '--out',
        `${out}/built-in`,
      ]);
      const builtInExit = await builtIn.done;
      expect(builtInExit.code, builtInExit.output).toBe(0);
      const reference = readResults(path.join(out, 'built-in', 'results.json'));
      for (const server of servers.split(',')) {
        for (const [scenario, metric] of [
          ['io-bound', 'throughputRps'],
          ['head-of-line', 'blockingIndex'],
        ] as const) {
          const locustValue = value(results, scenario, server, metric);
          const builtInValue = value(reference, scenario, server, metric);
          lines.push(
            `${scenario} ${metric} ${server}: locust ${locustValue.measured.toFixed(3)}, built-in ${builtInValue.measured.toFixed(3)} ` +
              `(theory ${builtInValue.check?.low.toFixed(3)}–${builtInValue.check?.high.toFixed(3)})`,
          );
          expect(locustValue.check?.agrees, `${scenario} ${metric} ${server} under Locust`).toBe(true);
          expect(builtInValue.check?.agrees, `${scenario} ${metric} ${server} built-in`).toBe(true);
          expect(locustValue.measured).toBeGreaterThanOrEqual(builtInValue.check?.low as number);
          expect(locustValue.measured).toBeLessThanOrEqual(builtInValue.check?.high as number);
        }
      }
      console.log(lines.join('\n'));
    });
  },
);

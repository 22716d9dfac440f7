import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForExit } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { LOCUST_INSTALL, locustAvailability } from '../measure/locust.js';
import { locustChildren } from '../measure/locust.testing.js';
import { readResults } from '../results/results.js';
import { loopbench } from './loopbench.testing.js';

const locust = locustAvailability();
const skipped = !locust.available && process.env.LOOPBENCH_REQUIRE_SERVERS !== '1';
const why = locust.available ? '' : `; here: ${locust.reason} (${locust.install})`;

const scratch = () => mkdtempSync(path.join(tmpdir(), 'loopbench-locust-'));

/**
 * An interpreter with no Locust, whatever this machine has: `python3` on PATH may be a build without
 * Debian's packages, or (run from apps/harness, whose locust/ it imports as a namespace package) seem to have it.
 */
function pythonWithoutLocust(): string {
  const file = path.join(scratch(), 'python3');
  writeFileSync(file, '#!/bin/sh\necho "No module named locust" >&2\nexit 1\n');
  chmodSync(file, 0o755);
  return file;
}

/** Polls until `find` returns something, for at most `timeoutMs`. */
async function eventually<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let found = find();
  while (found === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    found = find();
  }
  return found;
}

describe('--generator locust where Locust cannot run, and bad choices', { timeout: 30_000 }, () => {
  const env = { LOOPBENCH_LOCUST_PYTHON: pythonWithoutLocust() };

  it('run refuses with exit 2, saying how to install it, before anything is written', async () => {
    const out = path.join(scratch(), 'results');
    const { code, stderr } = await loopbench(['run', '--generator', 'locust', '--quick', '--no-build', '--out', out], env).done;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(
      `error: --generator locust: python3-locust is not installed; install it with: ${LOCUST_INSTALL}, or leave out --generator for the built-in one`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('list says Locust is unavailable, and how to install it', async () => {
    const { code, stdout } = await loopbench(['list'], env).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^locust: UNAVAILABLE\n[\s\S]*python3-locust is not installed\n\s+install with: sudo apt-get install python3-locust$/m,
    );
    expect(stdout).toMatch(/^built-in\n/m);
  });

  it('list --json has it unavailable, with the reason and the install command', async () => {
    const { code, stdout } = await loopbench(['list', '--json'], env).done;
    expect(code).toBe(0);
    const { generators } = JSON.parse(stdout) as { generators: { name: string; available: boolean; reason?: string; install?: string }[] };
    expect(generators.find((g) => g.name === 'built-in')?.available).toBe(true);
    expect(generators.find((g) => g.name === 'locust')).toMatchObject({
      available: false,
      reason: 'python3-locust is not installed',
      install: LOCUST_INSTALL,
    });
  });

  it('run refuses the --locust- options without --generator locust, with exit 2, naming them', async () => {
    const { code, stderr } = await loopbench(['run', '--locust-remote', '--locust-wait', '3', '--no-build']).done;
    expect(code).toBe(2);
    expect(stderr).toContain('error: --locust-remote, --locust-wait only apply with --generator locust; add it, or leave them out');
  });

  it('run refuses a generator that is not one of the choices with exit 2, naming them', async () => {
    const { code, stderr } = await loopbench(['run', '--generator', 'nope', '--no-build']).done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/--generator <name>' argument 'nope' is invalid\. Allowed choices are built-in, locust\./);
  });
});

describe.skipIf(skipped)(
  `loopbench run --generator locust, when its workers fail (skipped where python3-locust is not installed, unless LOOPBENCH_REQUIRE_SERVERS=1${why})`,
  { timeout: 60_000 },
  () => {
    it('refuses a non-loopback --locust-bind with exit 2 unless --allow-non-loopback', async () => {
      const out = path.join(scratch(), 'results');
      const { code, stderr } = await loopbench(['run', '--generator', 'locust', '--locust-bind', '10.1.2.3', '--no-build', '--out', out])
        .done;
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/--locust-bind 10\.1\.2\.3 is not a loopback address; .* unless you add --allow-non-loopback/);
      expect(existsSync(out)).toBe(false);
    });

    it('gives up on remote workers that never connect, saying how many did and what to run, and leaves no master', async () => {
      const out = path.join(scratch(), 'results');
      const started = performance.now();
      const run = loopbench([
        'run',
        '--generator',
        'locust',
        '--locust-remote',
        '--locust-wait',
        '2',
        '--scenario',
        'io-bound',
        '--servers',
        'koa',
        '--quick',
        '--no-build',
        '--out',
        out,
      ]);
      const master = await eventually(() => locustChildren(run.child.pid as number).master[0]);
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(2);
      // Workers on other hosts cannot reach a master on loopback: said before it waits.
      expect(stderr).toContain('warning: --locust-remote with the master on 127.0.0.1: only workers on this machine can reach it');
      // Its 2 s, not --locust-remote's default 120 s (start-up and clean-up included).
      expect(performance.now() - started).toBeLessThan(20_000);
      // The command is printed while it waits, and again in the error.
      expect(stderr).toMatch(
        /locust: waiting for 1 worker\(s\); on each worker host run \(with the locustfile copied there\):\n {2}\S+ -m locust -f /,
      );
      expect(stderr).toMatch(
        /0 of 1 Locust workers connected to 127\.0\.0\.1:5557 within 2 s; each worker host should have run: \S+ -m locust -f \S+loopbench_locust\.py --worker --master-host 127\.0\.0\.1 --master-port 5557/,
      );
      expect(master, 'the Locust master was never seen running').toBeDefined();
      expect(await waitForExit(master as number)).toBe(true);
      // No scenario was run: nothing was measured for results.json.
      expect(existsSync(path.join(out, 'results.json'))).toBe(false);
    });

    it('marks the scenario invalid, naming a worker killed mid-run, still writes results.json, and leaves no Locust process', async () => {
      const out = path.join(scratch(), 'results');
      const run = loopbench([
        'run',
        '--generator',
        'locust',
        '--generators',
        '2',
        '--scenario',
        'io-bound',
        '--servers',
        'koa',
        '--repeats',
        '2',
        '--duration',
        '3',
        '--warmup',
        '0.2',
        '--no-build',
        '--out',
        out,
      ]);
      // Locust's start and koa's first: said() waits 10 s at a time, and CI's two cores are slower.
      let stderr = '';
      for (let i = 0; i < 3 && !/koa: run 1 of 2/.test(stderr); i++) stderr = await run.said(/koa: run 1 of 2/);
      expect(stderr).toMatch(/locust: 2 worker\(s\) connected[\s\S]*koa: run 1 of 2/);
      const { master, workers } = locustChildren(run.child.pid as number);
      expect(master).toHaveLength(1);
      expect(workers).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 500));
      const victim = workers[1] as number;
      process.kill(victim, 'SIGKILL');
      const killedAt = performance.now();
      const { code, stderr: said, stdout } = await run.done;
      // Not a server's failure: exit 0 without --strict, the scenario invalid.
      expect(code, said).toBe(0);
      // Far short of the 3 s window still to run and the 30 s request timeout.
      expect(performance.now() - killedAt).toBeLessThan(10_000);
      expect(said).toContain('1 scenario(s) invalid: io-bound');
      expect(stdout).toContain(out);

      const results = readResults(path.join(out, 'results.json'));
      expect(results.complete).toBe(true);
      const [scenario] = results.scenarios;
      expect(scenario?.id).toBe('io-bound');
      expect(scenario?.valid).toBe(false);
      const koa = scenario?.results.find((r) => r.server === 'koa');
      expect(koa?.valid).toBe(false);
      expect(koa?.failed).toBe(false);
      const dead = new RegExp(`^koa: Locust worker [12] of 2 \\(pid ${victim}\\) exited mid-run \\(code null, signal SIGKILL\\)$`);
      // Both measured runs: the one it died in, and the next, which the session cannot make without it.
      expect(koa?.runs.map((r) => r.valid)).toEqual([false, false]);
      for (const r of koa?.runs ?? []) expect(r.problems).toEqual([expect.stringMatching(dead)]);
      expect(koa?.problems.join('\n')).toMatch(new RegExp(`pid ${victim}\\) exited mid-run`));

      const pids = [...master, ...workers, ...(koa?.pids ?? [])];
      expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).not.toContain(false);
    });
  },
);

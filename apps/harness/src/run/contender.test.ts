import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServerPackage, type ServerPackage, stopAllServers } from '@loopbench/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { Contender, type StartOptions } from './contender.js';
import { discoverServers, findWorkspaceRoot } from './discover.js';

const root = mkdtempSync(path.join(tmpdir(), 'loopbench-contender-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A server package that starts and never says it is ready. */
function neverReady(name: string): ServerPackage {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const start = ['node', '-e', 'setInterval(() => {}, 1000)'];
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `@test/${name}`, loopbench: { name, model: 'non-blocking', analogue: 'a test double', start } }),
  );
  return readServerPackage(dir) as ServerPackage;
}

const koa = discoverServers(findWorkspaceRoot()).servers.find((s) => s.name === 'koa') as ServerPackage;

function reporter() {
  const warnings: string[] = [];
  return { warnings, step: () => {}, warn: (text: string) => warnings.push(text) };
}

const options = (signal?: AbortSignal): StartOptions => ({
  workers: 1,
  host: '127.0.0.1',
  readyTimeoutS: 30,
  wrap: [],
  ...(signal ? { signal } : {}),
});

describe("a contender's exit", { timeout: 60_000 }, () => {
  it("is no failure of the server when Ctrl-C stops it before it is ready (the harness's own SIGTERM)", async () => {
    const contender = new Contender(neverReady('interrupted'), 1, 1);
    const said = reporter();
    const controller = new AbortController();
    const started = contender.start(options(controller.signal), said);
    // What run's Ctrl-C handler does: abort the run, then SIGTERM every server.
    controller.abort();
    await stopAllServers(2_000);
    await started;
    expect(contender.failure).toBeUndefined();
    expect(said.warnings).toEqual([]);
    expect(contender.pids.size).toBe(1);
  });

  it('is still a failure when the server never gets ready of its own accord', async () => {
    const contender = new Contender(neverReady('slow'), 1, 1);
    const said = reporter();
    await contender.start({ ...options(new AbortController().signal), readyTimeoutS: 0.3 }, said);
    expect(contender.failure).toMatch(/slow: not ready after 300 ms/);
    expect(said.warnings).toHaveLength(1);
  });

  it('is a crash when the server dies on its own, and not when the harness stops it (a scenario ends, or Ctrl-C)', async () => {
    const crashing = new Contender(koa, 1, 1);
    const stopped = new Contender(koa, 1, 1);
    const interrupted = new Contender(koa, 1, 1);
    const controller = new AbortController();
    await Promise.all([
      crashing.start(options(), reporter()),
      stopped.start(options(), reporter()),
      interrupted.start(options(controller.signal), reporter()),
    ]);
    for (const c of [crashing, stopped, interrupted]) expect(c.failure).toBeUndefined();

    process.kill(-(crashing.running?.pid as number), 'SIGKILL');
    await crashing.running?.exited;
    await new Promise((resolve) => setImmediate(resolve));
    expect(crashing.crashed).toBe(true);
    expect(crashing.crashProblem()).toBe('koa exited during the run (code null, signal SIGKILL)');

    await stopped.stop();
    expect(stopped.exited).toBe(true);
    expect(stopped.crashed).toBe(false);

    controller.abort();
    await stopAllServers(2_000);
    await interrupted.running?.exited;
    await new Promise((resolve) => setImmediate(resolve));
    expect(interrupted.exited).toBe(true);
    expect(interrupted.crashed).toBe(false);
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { readServerPackage, type ServerPackage } from './declaration.js';
import { liveServerPids, processAlive, ServerStartError, startServer, stopAllServers, waitForExit } from './launch.js';

const root = mkdtempSync(path.join(tmpdir(), 'loopbench-launch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A throwaway server package whose start command is `node -e script`. */
function fixture(name: string, script: string | string[], env?: Record<string, string>): ServerPackage {
  const dir = path.join(root, name);
  const start = Array.isArray(script) ? script : ['node', '-e', script];
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `@test/${name}`, loopbench: { name, model: 'non-blocking', analogue: 'a test double', start, env } }),
  );
  return readServerPackage(dir) as ServerPackage;
}

const READY = `process.stdout.write(JSON.stringify({event:'listening',server:'x',model:'non-blocking',host:'127.0.0.1',port:1,pid:process.pid,workers:1,backlog:1,keepAliveTimeoutMs:1})+'\\n')`;

describe('startServer', () => {
  it('resolves on the ready line and stops the process with SIGTERM', async () => {
    const server = await startServer(fixture('ok', `console.error('warming up'); ${READY}; setInterval(() => {}, 1000)`));
    expect(server.ready.port).toBe(1);
    expect(server.url).toBe('http://127.0.0.1:1');
    expect(processAlive(server.pid)).toBe(true);
    expect(await server.stop()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(processAlive(server.pid)).toBe(false);
    expect(server.outputTail()).toContain('warming up');
  });

  it("adds the declaration's env as written, under the caller's options, in the package folder", async () => {
    const script = `console.log(JSON.stringify({ cwd: process.cwd(), env: process.env })); ${READY}; setInterval(() => {}, 1000)`;
    const declared = fixture('with-env', script, { LOOPBENCH_TEST_PATH: '../lib', LOOPBENCH_TEST_KEPT: 'declared' });
    const server = await startServer(declared, { env: { LOOPBENCH_TEST_KEPT: 'caller', PORT: '0' } });
    await server.stop();
    const seen = JSON.parse(server.outputTail().split('\n')[0] as string) as { cwd: string; env: Record<string, string> };
    expect(seen.cwd).toBe(declared.packageDir);
    expect(seen.env).toMatchObject({ LOOPBENCH_TEST_PATH: '../lib', LOOPBENCH_TEST_KEPT: 'caller', PORT: '0', HOST: '127.0.0.1' });
  });

  it('names the server and shows its output when it exits at start-up', async () => {
    const failure = startServer(fixture('crashes', "console.error('cannot open config'); process.exit(3)"));
    await expect(failure).rejects.toThrow(ServerStartError);
    await expect(failure).rejects.toThrow(/crashes: exited before it was ready \(code 3, signal null\)[\s\S]*cannot open config/);
  });

  it('reports a start command that does not exist', async () => {
    await expect(startServer(fixture('missing', ['loopbench-no-such-command']))).rejects.toThrow(
      /missing: cannot run "loopbench-no-such-command": spawn loopbench-no-such-command ENOENT/,
    );
  });

  it('gives up on a server that never becomes ready, and kills it', async () => {
    const started = Date.now();
    const failure = await startServer(fixture('silent', "console.log('{not json'); setInterval(() => {}, 1000)"), {
      readyTimeoutMs: 500,
    }).then(
      () => undefined,
      (error: ServerStartError) => error,
    );
    if (!(failure instanceof ServerStartError)) throw new Error('expected a ServerStartError');
    expect(failure.message).toMatch(/silent: not ready after 500 ms/);
    expect(failure.outputTail).toContain('{not json');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(liveServerPids()).toEqual([]);
  });

  it('kills the whole process group, children included', async () => {
    const script = `const c = require('node:child_process').spawn('node', ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); process.stdout.write(JSON.stringify({event:'listening',host:'127.0.0.1',port:2,pid:c.pid})+'\\n'); setInterval(() => {}, 1000)`;
    const server = await startServer(fixture('parent', script));
    const childPid = server.ready.pid;
    expect(processAlive(childPid)).toBe(true);
    await server.stop();
    expect(await waitForExit(childPid)).toBe(true);
  });

  it.skipIf(!existsSync('/proc/self/stat'))('pauses and resumes the process, and stops a paused one', async () => {
    const server = await startServer(fixture('pausable', `${READY}; setInterval(() => {}, 1000)`));
    const state = () => readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.[0];
    server.pause();
    for (let i = 0; i < 50 && state() !== 'T'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(state()).toBe('T');
    server.resume();
    for (let i = 0; i < 50 && state() === 'T'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(state()).not.toBe('T');
    server.pause();
    expect(await server.stop(2_000)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('leaves no server behind, frozen or not, when its starter is killed with SIGKILL', { timeout: 30_000 }, async () => {
    const dirs = ['orphan-a', 'orphan-b'].map((name) => fixture(name, `${READY}; setInterval(() => {}, 1000)`).packageDir);
    const launch = new URL('../dist/launch.js', import.meta.url).href;
    const declaration = new URL('../dist/declaration.js', import.meta.url).href;
    const starter = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startServer } from ${JSON.stringify(launch)};
         import { readServerPackage } from ${JSON.stringify(declaration)};
         const servers = [];
         for (const dir of ${JSON.stringify(dirs)}) servers.push(await startServer(readServerPackage(dir)));
         servers[0].pause();
         console.log(JSON.stringify(servers.map((s) => s.pid)));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pids = await new Promise<number[]>((resolve) => {
      createInterface({ input: starter.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve(JSON.parse(line)));
    });
    expect(pids.map(processAlive)).toEqual([true, true]);
    starter.kill('SIGKILL');
    expect(await Promise.all(pids.map((pid) => waitForExit(pid, 10_000)))).toEqual([true, true]);
  });

  it('stopAllServers stops everything still running', async () => {
    const a = await startServer(fixture('a', `${READY}; setInterval(() => {}, 1000)`));
    const b = await startServer(fixture('b', `${READY}; setInterval(() => {}, 1000)`));
    expect(liveServerPids().sort()).toEqual([a.pid, b.pid].sort());
    await stopAllServers();
    expect(liveServerPids()).toEqual([]);
    expect(processAlive(a.pid) || processAlive(b.pid)).toBe(false);
  });
});

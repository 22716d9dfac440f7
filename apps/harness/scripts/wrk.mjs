// wrk, the reference generator of the benchmark scripts: found or a clear exit, and one measurement;
// and the same clear exit for any other tool a script needs.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Exits 2 with Debian's install command when `command` is missing. */
export function requireTool(command, versionArgs, debianPackage) {
  try {
    execFileSync(command, versionArgs, { stdio: 'ignore' });
  } catch (error) {
    if (error.code === 'ENOENT') {
      console.error(`${command} is not installed (Debian: apt-get install ${debianPackage})`);
      process.exit(2);
    }
  }
}

/** Exits 2 with the install command when wrk is missing. */
export const requireWrk = () => requireTool('wrk', ['--version'], 'wrk');

/** Requests per second of `wrk -t1 -cC -dS url`, on core 0 when pinned; the caller's event loop runs meanwhile. */
export async function wrk(url, seconds, { connections = 10, pin = false } = {}) {
  const argv = ['-t1', `-c${connections}`, `-d${seconds}s`, url];
  const { stdout } = await run(pin ? 'taskset' : 'wrk', pin ? ['-c', '0', 'wrk', ...argv] : argv, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`wrk printed no throughput for ${url}:\n${stdout}`);
  return rps;
}

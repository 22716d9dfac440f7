import { Command, Option } from 'commander';
import { formatNumber } from '../../analysis/format.js';
import { stopGenerators } from '../../measure/pool.js';
import { BEHAVIOURS, type Behaviour, PROBE_LIMITS, ProbeError, type ProbeResult, probeServer } from '../../probe/probe.js';
import { openDatabase } from '../../run/database.js';
import { UsageError } from '../../run/errors.js';
import { isLoopbackHost } from '../../run/loopback.js';
import { integer, seconds, shared } from '../../run/options.js';
import type { CommandContext, Io } from './context.js';

interface ProbeFlags {
  slow: string;
  fast: string;
  connections: number;
  duration: number;
  json?: boolean;
  expect?: Behaviour;
  allowNonLoopback?: boolean;
  databaseUrl?: string;
}

/** The base every path is appended to: the URL without a trailing slash, refused unless it is plain http on this machine. */
function baseUrl(raw: string, allowNonLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `"${raw}" is not a URL; give the server's address, e.g. loopbench probe http://127.0.0.1:8000 --slow /slow --fast /fast`,
    );
  }
  if (url.protocol !== 'http:')
    throw new UsageError(`${url.protocol} is not supported; give an http:// URL (probe the server behind any TLS proxy)`);
  if (url.search || url.hash) throw new UsageError(`give the URL without a query or fragment (${raw}); the paths go in --slow and --fast`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isLoopbackHost(host) && !allowNonLoopback) {
    throw new UsageError(
      `${host} is not a loopback address; the probe sends load only to 127.0.0.1 or ::1 unless you add --allow-non-loopback`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function path(flag: string, raw: string): string {
  if (!raw.startsWith('/')) throw new UsageError(`${flag} ${raw} must be a path starting with /, e.g. ${flag} /sleep?ms=200`);
  return raw;
}

const NEXT: Record<Behaviour, string> = {
  blocking:
    'Look for a blocking call inside an async handler (time.sleep, a synchronous database driver, requests.get): it holds the one event loop. ' +
    'On a WSGI server (Flask, Django) one request at a time per worker is the model: add workers or threads (gunicorn -w N, --threads N), or move to ASGI and await the I/O. ' +
    'If the slow path computes rather than waits, one at a time per process is expected whatever the framework: add processes.',
  limited:
    'Something caps how many requests are served at once, at about the number above: a thread pool (FastAPI runs plain def endpoints in one, 40 threads by default), ' +
    'a worker count (gunicorn -w, uvicorn --workers), or a connection pool. Raise it, or make the handler async.',
  concurrent: 'The slow path waits without holding the server.',
};

/** What a concurrent verdict cannot tell: a limit near C reads as none, so only more connections than the limit show it. */
function untold(connections: number): string {
  const { max } = PROBE_LIMITS.connections;
  if (connections >= max) return `No limit shows up to ${max} connections, the most the probe opens.`;
  return (
    `No limit shows at ${connections} connections; a limit of ${Math.ceil(0.8 * connections)} or more would read the same, since a limit shows only when the connections clearly outnumber it. ` +
    `To see one, probe with --connections ${Math.min(2 * connections, max)}.`
  );
}

/** What the verdict's figures leave out: connections left waiting, answers that stall on the network. */
function notes(result: ProbeResult): string[] {
  const { settings: s } = result;
  const found: string[] = [];
  if (result.unansweredConnections > 0) {
    const overflows = result.listenOverflows
      ? ` (the kernel also dropped ${result.listenOverflows} connection attempts at its full listen backlog: TcpExt ListenOverflows)`
      : '';
    found.push(
      `${result.unansweredConnections} of ${s.connections} connections got no answer at all while the others were answered without waiting${overflows}: ` +
        'the server does not serve its connections in turn. Either it holds each kept-alive connection for as long as it stays open ' +
        '(a thread or process per connection) and the rest wait for one to close, or its queue serves new requests before old ones. ' +
        'Every client that keeps its connections open (browsers, HTTP client pools, proxies) can be left waiting so.',
    );
  }
  if (result.networkStallMs !== undefined) {
    found.push(
      `answers stall about ${formatNumber(result.networkStallMs)} ms on a kept-alive connection (${s.fast} ${formatNumber(result.fastKeptAliveMs)} ms, against ${formatNumber(result.fastLatencyMs)} ms on a new one): ` +
        `the server writes an answer in more than one small write, and Nagle's algorithm holds the last until the client's delayed ACK. ` +
        "Every keep-alive client waits so; set TCP_NODELAY on the server's sockets, or write each answer in one write. " +
        (result.stallOutside
          ? 'Every connection was answered in turn, so the limit holds requests and frees its place before the stall: N leaves the stall out of S.'
          : 'S is timed on a kept-alive connection, as the load sends.'),
    );
  }
  return found;
}

/** The verdict in plain words, the figures, and what to look at next. */
export function describeProbe(result: ProbeResult): string {
  const { verdict, settings: s } = result;
  const n = formatNumber(result.concurrency);
  const headline: Record<Behaviour, string> = {
    blocking: `blocking: ${s.fast} waited ${formatNumber(result.fastBehindSlowMs - result.fastLatencyMs)} ms behind ${s.slow}; about ${n} request at a time`,
    limited: `limited: about ${n} requests at a time of ${s.connections} connections; a pool or worker count of about ${Math.round(result.limitEstimate)}`,
    concurrent: `concurrent: ${s.fast} answered in ${formatNumber(result.fastBehindSlowMs)} ms with ${s.slow} in flight; about ${n} requests at a time of ${s.connections} connections`,
  };
  const rows: [string, string][] = [
    [`${s.fast} alone`, `${formatNumber(result.fastLatencyMs)} ms`],
    ...(result.keepAlive ? [[`${s.fast} alone, kept alive`, `${formatNumber(result.fastKeptAliveMs)} ms`] as [string, string]] : []),
    [`${s.slow} alone${result.keepAlive ? ', kept alive' : ''} (S)`, `${formatNumber(result.slowLatencyMs)} ms`],
    [
      `${s.fast} sent ${s.offsetMs} ms after ${s.slow}`,
      `${formatNumber(result.fastBehindSlowMs)} ms (blocking index β ${formatNumber(result.blockingIndex)}: 1 waits behind it, 0 beside it)`,
    ],
    [
      `${s.slow}, ${s.connections} connections, ${s.durationS} s`,
      `${formatNumber(result.throughputRps)} req/s (X) → N = ${result.stallOutside ? 'X·(S − stall)' : 'X·S'} = ${n} at a time`,
    ],
    ...(result.databaseQueriesMax === undefined
      ? []
      : [
          ['in the database meanwhile', `${formatNumber(result.databaseQueriesMax)} queries at once at most (pg_stat_activity)`] as [
            string,
            string,
          ],
        ]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `loopbench probe ${s.url}`,
    '',
    headline[verdict],
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    ...notes(result).flatMap((note) => ['', `warning: ${note}`]),
    ...(result.generatorWarning ? ['', `warning: ${result.generatorWarning}; the throughput may be the load generator's limit`] : []),
    '',
    `Next: ${NEXT[verdict]}${verdict === 'concurrent' ? ` ${untold(s.connections)}` : ''}`,
  ].join('\n');
}

async function probe(rawUrl: string, flags: ProbeFlags, io: Io): Promise<number> {
  const settings = {
    url: baseUrl(rawUrl, flags.allowNonLoopback === true),
    slow: path('--slow', flags.slow),
    fast: path('--fast', flags.fast),
    connections: flags.connections,
    durationS: flags.duration,
    ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }),
  };
  // The database is the server's, never started here: it must answer before the probe begins.
  if (flags.databaseUrl !== undefined) await (await openDatabase(flags.databaseUrl)).close();
  let result: ProbeResult;
  try {
    result = await probeServer(settings, (text) => io.err.write(`probe: ${text}\n`));
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    if (error.exitCode === 2) throw new UsageError(error.message);
    io.err.write(`error: ${error.message}\n`);
    return 1;
  } finally {
    await stopGenerators();
  }
  io.out.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${describeProbe(result)}\n`);
  if (flags.expect && flags.expect !== result.verdict) {
    io.err.write(`expected ${flags.expect}, but the server is ${result.verdict}\n`);
    return 1;
  }
  return 0;
}

const { connections, durationS } = PROBE_LIMITS;

export const probeCommand = ({ io, setExit }: CommandContext) =>
  new Command('probe')
    .description('is this server blocking? Probes any running HTTP server from outside (it starts nothing)')
    .argument('<url>', 'the server, e.g. http://127.0.0.1:8000 (loopback only unless --allow-non-loopback)')
    .requiredOption('--slow <path>', 'a path that waits, e.g. /slow or /sleep?ms=200 (0.1 to 5 s works best)')
    .requiredOption('--fast <path>', 'a path that answers at once, e.g. /health')
    .addOption(
      new Option('--connections <c>', `closed-loop connections on the slow path (${connections.min} to ${connections.max})`)
        .argParser(integer(connections.min, connections.max))
        .default(connections.default),
    )
    .addOption(
      new Option('--duration <s>', `seconds of load on the slow path (${durationS.min} to ${durationS.max})`)
        .argParser(seconds(durationS.min, durationS.max))
        .default(durationS.default),
    )
    .option('--json', 'print the result as JSON')
    .addOption(new Option('--expect <verdict>', 'exit 1 unless the verdict is this one (for CI)').choices(BEHAVIOURS))
    .option('--allow-non-loopback', 'allow a URL that is not on 127.0.0.0/8 or ::1')
    .addOption(
      shared.databaseUrl(
        "the PostgreSQL the server queries (the probe starts none): pg_stat_activity is read during the load, the database's count of the queries at once",
      ),
    )
    .action(async (url: string, flags: ProbeFlags) => setExit(await probe(url, flags, io)));

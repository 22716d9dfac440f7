import { expect, it } from 'vitest';
import { request } from '../client.js';
import type { ExceptionCase } from '../declaration.js';
import type { RunningServer } from '../launch.js';
import type { SuiteContext } from './context.js';
import { rawExchange } from './rawHttp.js';

/**
 * A TLS 1.2/1.3 ClientHello, as a client that speaks HTTPS to the plain port sends first: a record
 * of type 22 (0x16), then binary with no line end. A parser that reads up to one waits forever.
 */
const TLS_CLIENT_HELLO = Uint8Array.from([
  ...[0x16, 0x03, 0x01, 0x00, 0x2f], // record: handshake, TLS 1.0 on the wire, 47 bytes
  ...[0x01, 0x00, 0x00, 0x2b], // ClientHello, 43 bytes
  ...[0x03, 0x03], // TLS 1.2
  ...Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff), // random, no 0x0a in it
  0x00, // no session id
  ...[0x00, 0x02, 0x13, 0x01], // one cipher suite: TLS_AES_128_GCM_SHA256
  ...[0x01, 0x00], // no compression
  ...[0x00, 0x00], // no extensions
]);

const FAST = { message: 'fast' };

/**
 * One request no HTTP client library sends, and the answers the contract allows: a 200 must carry
 * `ok`'s body, anything else is a refusal with a JSON `{"error"}` body (`any4xx` allows every 4xx).
 */
export interface RawRequestCase {
  name: string;
  /** The declared exception that may skip it; none for the core contract. */
  exception?: ExceptionCase;
  request: string | Uint8Array;
  statuses: readonly number[];
  any4xx?: boolean;
  ok?: unknown;
}

const line = (target: string, version = 'HTTP/1.1', headers = 'Host: x\r\n') => `GET ${target} ${version}\r\n${headers}\r\n`;

/** Every case, in the order the suite runs them (README, "What a server answers to what no client sends"). */
export const RAW_REQUEST_CASES: readonly RawRequestCase[] = [
  // A version other than HTTP/1.x: 505, the one 5xx in the contract, and JSON with an HTTP/1.1 status line.
  { name: 'GET /fast HTTP/2.0', exception: 'http-versions', request: line('/fast', 'HTTP/2.0'), statuses: [505] },
  { name: 'GET /fast HTTP/9.9', exception: 'http-versions', request: line('/fast', 'HTTP/9.9'), statuses: [505] },
  { name: "HTTP/2's connection preface", exception: 'http-versions', request: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', statuses: [505] },
  { name: 'a request line without a version (HTTP/0.9)', exception: 'http-versions', request: 'GET /fast\r\n\r\n', statuses: [400] },
  // Not HTTP at all: 400 at once, never a wait for a line end that may not come.
  {
    name: 'a line that is not a request line',
    exception: 'malformed-requests',
    request: 'not an HTTP request at all\r\n\r\n',
    statuses: [400],
  },
  { name: 'a TLS ClientHello', exception: 'malformed-requests', request: TLS_CLIENT_HELLO, statuses: [400] },
  // RFC 9112 §2.2: a server MAY take a bare LF as a line end; either way it answers, at once.
  {
    name: 'a request with bare-LF line ends',
    exception: 'malformed-requests',
    request: 'GET /fast HTTP/1.1\nHost: x\n\n',
    statuses: [200, 400],
    ok: FAST,
  },
  // The head's limit is bytes (16 KiB), not a count of headers; a target over it is 414, a header 431.
  {
    name: '300 small headers (4 KB)',
    exception: 'oversized-requests',
    request: line('/fast', 'HTTP/1.1', `Host: x\r\n${Array.from({ length: 300 }, (_, i) => `X-${i}: v\r\n`).join('')}`),
    statuses: [200],
    ok: FAST,
  },
  {
    name: 'a 70,000-character request line',
    exception: 'oversized-requests',
    request: line(`/fast?${'a'.repeat(70_000)}`),
    statuses: [414],
  },
  { name: 'a 1 MB request target', exception: 'oversized-requests', request: line(`/fast?${'a'.repeat(2 ** 20)}`), statuses: [414] },
  {
    name: 'a 70,000-byte header',
    exception: 'oversized-requests',
    request: line('/fast', 'HTTP/1.1', `Host: x\r\nX-Pad: ${'a'.repeat(70_000)}\r\n`),
    statuses: [431],
  },
  // RFC 9110 §10.1.1: an expectation other than 100-continue is refused with 417.
  { name: 'Expect: teapot', exception: 'expect', request: line('/fast', 'HTTP/1.1', 'Host: x\r\nExpect: teapot\r\n'), statuses: [417] },
  // RFC 9112 §3.2: Host is required in HTTP/1.1 only, may be empty, and must be one valid value.
  { name: 'HTTP/1.0 without Host', exception: 'host-header', request: line('/fast', 'HTTP/1.0', ''), statuses: [200], ok: FAST },
  { name: 'an empty Host', exception: 'host-header', request: line('/fast', 'HTTP/1.1', 'Host:\r\n'), statuses: [200], ok: FAST },
  { name: 'Host: a b', exception: 'host-header', request: line('/fast', 'HTTP/1.1', 'Host: a b\r\n'), statuses: [400] },
  { name: 'two Host headers', exception: 'host-header', request: line('/fast', 'HTTP/1.1', 'Host: a\r\nHost: b\r\n'), statuses: [400] },
  // `*` names no route, whatever the method.
  { name: 'OPTIONS *', exception: 'raw-refusals', request: 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', statuses: [404] },
  // RFC 9110 §7.8: a server MAY ignore Upgrade; it answers the GET it also is, or refuses it in JSON.
  {
    name: 'a WebSocket upgrade',
    exception: 'upgrade',
    request: line(
      '/fast',
      'HTTP/1.1',
      'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
    ),
    statuses: [200],
    any4xx: true,
    ok: FAST,
  },
  {
    name: 'an h2c upgrade',
    exception: 'upgrade',
    request: line(
      '/fast',
      'HTTP/1.1',
      'Host: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n',
    ),
    statuses: [200],
    any4xx: true,
    ok: FAST,
  },
  // A fragment is no part of a request target (RFC 9112 §3.2), but a URL parser drops it: so does every server.
  { name: 'GET /fast#x', request: line('/fast#x'), statuses: [200], ok: FAST },
  { name: 'GET /sleep?ms=1#x', request: line('/sleep?ms=1#x'), statuses: [200], ok: { message: 'done', ms: 1 } },
];

export interface ParsedReply {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the whole answer has come: its body is as long as it says, or its chunks have ended. */
  complete: boolean;
}

/** The first final answer in what came (interim 1xx answers skipped), or undefined before its head has. */
export function parseReply(received: string): ParsedReply | undefined {
  let rest = received;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine = '', ...fields] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const body = rest.slice(end + 4);
    if (status >= 100 && status < 200) {
      rest = body;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
    }
    const length = headers['content-length'];
    const complete =
      length !== undefined
        ? Buffer.byteLength(body) >= Number(length)
        : /chunked/i.test(headers['transfer-encoding'] ?? '')
          ? body.endsWith('0\r\n\r\n')
          : false;
    return { statusLine, status, headers, body, complete };
  }
}

/** The body of a chunked answer, joined. */
function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) return out;
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

function jsonOf(body: string, statusLine: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`${statusLine}: the body is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
  }
}

function expectation(c: RawRequestCase): string {
  const statuses = c.statuses.map((s) => (s === 200 ? `200 ${JSON.stringify(c.ok)}` : `${s} JSON`));
  return [...statuses, ...(c.any4xx ? ['a 4xx JSON refusal'] : [])].join(' or ');
}

/**
 * Each raw request, on a fresh connection: answered at once (within 5 s) with a status line, with
 * an allowed status and body, and the server then still serves /health.
 */
export function describeRawRequests({ hardening }: SuiteContext, running: () => RunningServer): void {
  for (const c of RAW_REQUEST_CASES) {
    const test = c.exception ? hardening(c.exception) : it;
    test(`raw request: ${c.name} → ${expectation(c)}`, async () => {
      const { received } = await rawExchange(running().ready, c.request, {
        idleTimeoutMs: 5_000,
        timeoutError: `no answer within 5 s to ${c.name}`,
        until: (text) => parseReply(text)?.complete === true,
        keepReplyOnReset: true,
      });
      const reply = parseReply(received);
      expect(reply, `an HTTP answer to ${c.name}, not ${JSON.stringify(received.slice(0, 200))}`).toBeDefined();
      const { statusLine, status, headers, body: raw } = reply as ParsedReply;
      expect(statusLine).toMatch(/^HTTP\/1\.[01] \d{3} /);
      const allowed = c.statuses.includes(status) || (c.any4xx === true && status >= 400 && status < 500);
      expect(allowed, `${statusLine}: expected ${expectation(c)}; body ${JSON.stringify(raw.slice(0, 200))}`).toBe(true);
      const body = /chunked/i.test(headers['transfer-encoding'] ?? '') ? dechunk(raw) : raw;
      expect(headers['content-type'], `${statusLine}, body ${JSON.stringify(body.slice(0, 200))}`).toMatch(/^application\/json/);
      expect(jsonOf(body, statusLine)).toEqual(status === 200 ? c.ok : { error: expect.any(String) });
      expect((await request(`${running().url}/health`)).status).toBe(200);
    });
  }
}

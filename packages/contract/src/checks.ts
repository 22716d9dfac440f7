import { type HttpReply, request } from './client.js';

/** One request and the reply the contract promises for it. */
export interface RouteCheck {
  method?: string;
  target: string;
  status: number;
  /** Exact JSON body, or text body; `error` checks for a JSON {"error": string}. */
  json?: unknown;
  text?: string;
  error?: true;
}

/** The correctness checks run before any load: every route, and one refusal of each kind. */
export const ROUTE_CHECKS: readonly RouteCheck[] = [
  { target: '/health', status: 200, json: { status: 'ok' } },
  { target: '/hello', status: 200, text: 'Hello' },
  { target: '/fast', status: 200, json: { message: 'fast' } },
  { target: '/sleep?ms=0', status: 200, json: { message: 'done', ms: 0 } },
  { target: '/sleep?ms=20', status: 200, json: { message: 'done', ms: 20 } },
  { target: '/cpu', status: 200, json: { iterations: 1_000_000 } },
  { target: '/cpu?iterations=12345', status: 200, json: { iterations: 12_345 } },
  { target: '/cpu?iterations=0', status: 200, json: { iterations: 0 } },
  { target: '/fast?unrelated=x', status: 200, json: { message: 'fast' } },
  { target: '/sleep', status: 400, error: true },
  { target: '/query', status: 400, error: true },
  { target: '/nope', status: 404, error: true },
  { method: 'POST', target: '/fast', status: 405, error: true },
];

/** What is wrong with a reply, in words, or undefined when it is what the check expects. */
export function checkReply(check: RouteCheck, reply: HttpReply): string | undefined {
  const type = String(reply.headers['content-type'] ?? '');
  if (reply.status !== check.status) return `status ${reply.status}, expected ${check.status} (body ${reply.body.slice(0, 120)})`;
  if (check.text !== undefined) {
    if (!type.startsWith('text/plain')) return `content-type ${JSON.stringify(type)}, expected text/plain`;
    if (reply.body !== check.text) return `body ${JSON.stringify(reply.body.slice(0, 120))}, expected ${JSON.stringify(check.text)}`;
    return undefined;
  }
  if (!type.startsWith('application/json')) return `content-type ${JSON.stringify(type)}, expected application/json`;
  if (check.error) {
    const body = reply.json as { error?: unknown } | undefined;
    return typeof body?.error === 'string' ? undefined : `body ${reply.body.slice(0, 120)}, expected {"error": "..."}`;
  }
  return JSON.stringify(reply.json) === JSON.stringify(check.json)
    ? undefined
    : `body ${reply.body.slice(0, 120)}, expected ${JSON.stringify(check.json)}`;
}

/** Problems with a running server's answers to the contract's checks; empty when it conforms. */
export async function verifyServer(url: string): Promise<string[]> {
  const problems: string[] = [];
  for (const check of ROUTE_CHECKS) {
    const method = check.method ?? 'GET';
    try {
      const problem = checkReply(check, await request(url + check.target, { method, timeoutMs: 10_000 }));
      if (problem) problems.push(`${method} ${check.target}: ${problem}`);
    } catch (error) {
      problems.push(`${method} ${check.target}: ${(error as Error).message}`);
    }
  }
  return problems;
}

import { readFileSync } from 'node:fs';

/** A route's parameter in contract.json: its max and default are numbers or names of limits. */
interface SharedParam {
  name: string;
  max: number | string;
  default?: number | string;
}

interface SharedRoute {
  name: string;
  path: string;
  summary: string;
  params: SharedParam[];
  tracked: boolean;
}

interface SharedContract {
  limits: { sleepMsMax: number; cpuIterationsMax: number; cpuIterationsDefault: number; urlLengthMax: number };
  settings: {
    backlog: number;
    keepAliveTimeoutMs: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    connectionsCheckingIntervalMs: number;
    maxHeaderSizeBytes: number;
  };
  allowedMethods: string[];
  refusedMethods: string[];
  serverTimingMetric: string;
  routes: SharedRoute[];
}

/** Where contract.json lies: the one source of the contract's data, which the Python servers read too. */
const CONTRACT_JSON = new URL('../contract.json', import.meta.url);

/** contract.json, read once: the limits, settings, methods and routes of every server in every language. */
export const SHARED: Readonly<SharedContract> = JSON.parse(readFileSync(CONTRACT_JSON, 'utf8')) as SharedContract;

/** A param's max or default: a number, or the name of a limit. */
export function limitValue(value: number | string): number {
  if (typeof value === 'number') return value;
  const limit = SHARED.limits[value as keyof SharedContract['limits']];
  if (limit === undefined) throw new Error(`contract.json names an unknown limit "${value}"`);
  return limit;
}

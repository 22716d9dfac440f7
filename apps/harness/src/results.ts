import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '@loopbench/contract';
import type { Environment } from './environment.js';
import type { GeneratorHealth } from './measure/generator.js';
import type { RunOptions } from './scenarios.js';
import type { Summary } from './stats.js';
import type { Expectation, MetricName, TheoryCheck } from './theory.js';

export const RESULTS_SCHEMA = 'loopbench-results';
export const RESULTS_SCHEMA_VERSION = 1;

export type MetricValues = Partial<Record<MetricName, number>>;

/** One measured run of one server (warm-ups are not recorded). */
export interface RunRecord {
  repeat: number;
  valid: boolean;
  /** Why the run is invalid; empty when valid. */
  problems: string[];
  values: MetricValues;
  /** Load runs: 2xx latencies in µs (open loop: of fast requests, from their planned time), compressed HDR histogram. */
  latencyHistogram?: string;
  generator?: GeneratorHealth;
}

export interface ServerResult {
  server: string;
  model: Model;
  analogue: string;
  /** False when any run was invalid or the server failed; its metrics then cover valid runs only. */
  valid: boolean;
  /** True when the server did not start, did not follow the contract, or exited during a run. */
  failed: boolean;
  problems: string[];
  /** Over the valid runs. */
  metrics: Partial<Record<MetricName, Summary>>;
  expected: Expectation;
  theory: TheoryCheck[];
  runs: RunRecord[];
  /** Process ids of the server (primary and workers seen), all stopped when the scenario ended. */
  pids: number[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  claim: string;
  kind: 'head-of-line' | 'closed-loop' | 'open-loop';
  valid: boolean;
  /** What was sent: target, connections, workers, sleep and offset, measured service time. */
  parameters: Record<string, string | number>;
  results: ServerResult[];
  verdict: string;
}

export interface Results {
  schema: typeof RESULTS_SCHEMA;
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  createdAt: string;
  /** False while the run is under way, or when it was interrupted. */
  complete: boolean;
  command: string[];
  environment: Environment;
  options: RunOptions & { servers: string[]; scenarios: string[]; timeoutS: number };
  scenarios: ScenarioResult[];
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

/** Reads a results.json, refusing files of another schema or version with a message that says so. */
export function readResults(file: string): Results {
  let parsed: Partial<Results>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Results>;
  } catch (error) {
    throw new ResultsFileError(`${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  if (parsed.schema !== RESULTS_SCHEMA)
    throw new ResultsFileError(`${file}: not a loopbench results file (no "schema": "${RESULTS_SCHEMA}")`);
  if (parsed.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsFileError(`${file}: schema version ${parsed.schemaVersion}; this loopbench reads version ${RESULTS_SCHEMA_VERSION}`);
  }
  if (!Array.isArray(parsed.scenarios)) throw new ResultsFileError(`${file}: "scenarios" is missing`);
  return parsed as Results;
}

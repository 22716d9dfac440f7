import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '@loopbench/contract';
import type { Environment } from '../run/environment.js';
import type { GeneratorHealth } from '../measure/generator.js';
import type { Timeline } from '../measure/timeline.js';
import type { Expectation, MetricName, MetricValues } from '../catalogue/metrics.js';
import type { RunOptions } from '../run/options.js';
import { makeDirectory } from '../run/outDir.js';
import { RESULTS_SHAPE } from './shape.js';
import type { Summary } from '../analysis/stats.js';
import type { TheoryCheck } from '../analysis/theory.js';

/** The kinds of scenario (kinds/), by the name results record. */
export const KIND_NAMES = ['head-of-line', 'closed-loop', 'open-loop', 'fixed-count'] as const;
export type KindName = (typeof KIND_NAMES)[number];

export const RESULTS_SCHEMA = 'loopbench-results';
/** 2: numbers only; titles, claims and verdicts are made when rendering. 1 stored them. */
export const RESULTS_SCHEMA_VERSION = 2;
/** Versions this loopbench still reads. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export type { MetricValues };

/** One measured run of one server (warm-ups are not recorded). */
export interface RunRecord {
  repeat: number;
  valid: boolean;
  /** Why the run is invalid; empty when valid. */
  problems: string[];
  values: MetricValues;
  /** Load runs: 2xx latencies in µs (open loop: of fast requests, from their planned time), compressed HDR histogram. */
  latencyHistogram?: string;
  /** Every load generator's health, one per process (files written before --generators have `generator`, the only one). */
  generators?: GeneratorHealth[];
  /** A generator was over GENERATOR_LIMITS.busy: the run's figures are its limit, so the run is invalid. */
  generatorBound?: boolean;
  /** Metrics this run measured from too few samples to quote, so left out of `values`. */
  tooFewSamples?: MetricName[];
  /** io-bound and mixed, first repeat: a bounded sample of requests and /stats readings on one time axis. */
  timeline?: Timeline;
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
  /** What the warm-up measured for theory (open loop: the baseline); absent when nothing. */
  warmup?: MetricValues;
  expected: Expectation;
  theory: TheoryCheck[];
  runs: RunRecord[];
  /** Process ids of the server (primary and workers seen), all stopped when the scenario ended. */
  pids: number[];
}

export interface ScenarioResult {
  id: string;
  kind: KindName;
  valid: boolean;
  /** Ctrl-C or SIGTERM stopped it: its unfinished run is left out, and no server is blamed. */
  interrupted?: boolean;
  /** What was sent: target, connections, workers, sleep and offset, plan shape. */
  parameters: Record<string, string | number>;
  results: ServerResult[];
  /** Servers selected but not run in this scenario, with why (e.g. Flask's app.run has no workers). */
  leftOut?: Record<string, string>;
  /** The order the servers ran in, round by round (the warm-up first, where the kind has one), from the run's seed. */
  order?: string[][];
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
  makeDirectory(path.dirname(file));
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

/** Version 1 stored each scenario's title, claim and verdict; they are made from the numbers now. */
function fromVersion1(parsed: Record<string, unknown>): Results {
  const scenarios = (parsed.scenarios as Record<string, unknown>[]).map(({ title: _t, claim: _c, verdict: _v, ...scenario }) => scenario);
  return { ...parsed, schemaVersion: RESULTS_SCHEMA_VERSION, scenarios } as unknown as Results;
}

/** Reads a results.json of this or an earlier version, refusing anything else with a message that says so. */
export function readResults(file: string): Results {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ResultsFileError(`${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.schema !== RESULTS_SCHEMA)
    throw new ResultsFileError(`${file}: not a loopbench results file (no "schema": "${RESULTS_SCHEMA}")`);
  if (!READABLE_SCHEMA_VERSIONS.includes(parsed.schemaVersion as number)) {
    throw new ResultsFileError(
      `${file}: schema version ${parsed.schemaVersion}; this loopbench reads versions ${READABLE_SCHEMA_VERSIONS.join(' and ')}`,
    );
  }
  const problem = RESULTS_SHAPE(parsed, 'results');
  if (problem) throw new ResultsFileError(`${file}: ${problem}; it is not a results file this loopbench wrote, or it was edited`);
  return parsed.schemaVersion === 1 ? fromVersion1(parsed) : (parsed as unknown as Results);
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type * as z from 'zod';
import {
  RESULTS_SCHEMA,
  RESULTS_SCHEMA_VERSION,
  type Results,
  resultsSchema,
  resultsVersion1Schema,
  resultsVersion2Schema,
} from './schema.js';

// The file's types live with its schema (schema.ts); they are re-exported here, where readers look.
export { writeFileAtomic } from './files.js';
export {
  BASES,
  type Basis,
  type DatabaseRecord,
  type Environment,
  type Expectation,
  type GeneratorHealth,
  KIND_NAMES,
  type KindName,
  METRIC_NAMES,
  type MetricName,
  type MetricValues,
  type Prediction,
  RESULTS_SCHEMA,
  RESULTS_SCHEMA_VERSION,
  type Results,
  type RunOptions,
  type RunRecord,
  type ScenarioResult,
  type ServerResult,
  type Summary,
  type TheoryCheck,
  TIMELINE_LIMITS,
  type Timeline,
  type TimelineRequest,
  type TimelineSample,
} from './schema.js';

/** Versions this loopbench still reads. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2, 3];

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

/** A JSON path as people write it: scenarios[2].results[0].runs[1].latencyHistogram. */
function jsonPath(path: readonly PropertyKey[]): string {
  const parts = path.map((key) =>
    typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `.${String(key)}` : `[${JSON.stringify(String(key))}]`,
  );
  return parts.join('').replace(/^\./, '') || 'the top level';
}

/** The first few problems, each where it is and what is wrong. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/** Zod's words, except for a field that is not there at all. */
const missing = (issue: z.core.$ZodRawIssue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : undefined);

/** The results.json a user means: the file given, or the one in the run's folder given. */
export function resultsFileOf(given: string): string {
  let folder = false;
  try {
    folder = statSync(given).isDirectory();
  } catch {
    return given;
  }
  if (!folder) return given;
  const file = path.join(given, 'results.json');
  if (!existsSync(file)) throw new ResultsFileError(`${given} holds no results.json: give a run's folder or the results.json it wrote`);
  return file;
}

/**
 * Reads a results.json of this or an earlier version, refusing anything else with a message that
 * says where it is wrong. The whole file is checked, histograms decoded. Version 1 stored each
 * scenario's title, claim and verdict; reading drops them, as they are made from the numbers now.
 */
export function readResults(file: string): Results {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ResultsFileError(`${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  const top = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  if (top?.schema !== RESULTS_SCHEMA)
    throw new ResultsFileError(`${file}: not a loopbench results file (no "schema": "${RESULTS_SCHEMA}")`);
  if (!READABLE_SCHEMA_VERSIONS.includes(top.schemaVersion as number)) {
    throw new ResultsFileError(
      `${file}: schema version ${top.schemaVersion}; this loopbench reads versions ${READABLE_SCHEMA_VERSIONS.join(', ')}`,
    );
  }
  const schema = top.schemaVersion === 1 ? resultsVersion1Schema : top.schemaVersion === 2 ? resultsVersion2Schema : resultsSchema;
  const checked = schema.safeParse(top, { error: missing });
  if (!checked.success) {
    throw new ResultsFileError(
      `${file}: ${describeIssues(checked.error.issues)}; it is not a results file this loopbench wrote, or it was edited`,
    );
  }
  return { ...checked.data, schemaVersion: RESULTS_SCHEMA_VERSION };
}

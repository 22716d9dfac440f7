/**
 * results.json, described once: the reader validates a file against these schemas, every type of
 * the file is inferred from them, and results.schema.json is generated from them (npm run schema).
 * results/ imports nothing else of the harness, so that everything else can import it.
 */
import type { Model } from '@loopbench/contract';
import * as z from 'zod';
import { histogramProblem } from './histogram.js';

export const RESULTS_SCHEMA = 'loopbench-results';
/**
 * 3: every theory check carries the interval it was judged by (low, high). 2: numbers only; titles,
 * claims and verdicts are made when rendering. 1 stored them.
 */
export const RESULTS_SCHEMA_VERSION = 3;

/** Every metric the harness measures, in the order tables show them; catalogue/metrics.ts describes each, in this order. */
export const METRIC_NAMES = [
  'baselineLatencyMs',
  'fastLatencyMs',
  'slowLatencyMs',
  'fastOffsetMs',
  'holDelayMs',
  'blockingIndex',
  'throughputRps',
  'latencyMeanMs',
  'latencyP50Ms',
  'latencyP99Ms',
  'fastLatencyMeanMs',
  'fastLatencyP50Ms',
  'fastLatencyP90Ms',
  'fastLatencyP99Ms',
  'fastLatencyP999Ms',
  'fastLatencyMaxMs',
  'sendLagP99Ms',
  'closedLoopP50Ms',
  'closedLoopP99Ms',
  'closedLoopMaxMs',
  'queueMsMean',
  'serviceMsMean',
  'queueShare',
  'eventLoopUtilization',
  'cpuUtilization',
  'machineCpuUtilization',
  'maxInFlight',
  'databaseQueriesMax',
  'workersServing',
  'eventLoopDelayP99Ms',
  'cpuPerRequestMs',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The kinds of scenario (kinds/), by the name results record. */
export const KIND_NAMES = ['head-of-line', 'closed-loop', 'open-loop', 'fixed-count'] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** Bounds that keep results.json and the report small: a timeline is a sample, not every request. */
export const TIMELINE_LIMITS = { requests: 500, windowMs: 2_000, sampleEveryMs: 100 } as const;

// The contract's models; results/ takes only types from the contract, and `satisfies` keeps the two lists the same.
const MODELS = { blocking: 'blocking', 'non-blocking': 'non-blocking', 'thread-pool': 'thread-pool' } as const satisfies {
  [M in Model]: M;
};

/**
 * A measured number. JSON has no NaN or infinity (JSON.stringify writes them as null), so null
 * reads back as NaN: not measured, as it was in the run that wrote it.
 */
const measured = z
  .number()
  .nullable()
  .meta({ id: 'Measured', description: 'A measured number; null where it was NaN or infinite (not measured).' })
  .transform((value) => value ?? Number.NaN);

const metricName = z.enum(METRIC_NAMES).meta({ id: 'MetricName' });

export const metricValuesSchema = z.partialRecord(metricName, measured).meta({ id: 'MetricValues', description: 'Metric values by name.' });
/** Metric values of one run, by name. */
export type MetricValues = z.infer<typeof metricValuesSchema>;
/** What theory predicts, under the same metric names as the measurements. */
export type Expectation = MetricValues;

export const summarySchema = z
  .object({ median: measured, min: measured, max: measured, runs: z.array(measured) })
  .meta({ id: 'Summary', description: "A metric over repeated runs: the median with its spread, and every run's value." });
export type Summary = z.infer<typeof summarySchema>;

/** Which prediction a check is against. */
export const BASES = ['model', 'realised'] as const;
export type Basis = (typeof BASES)[number];

/** What theory predicts for one metric of the window measured: a figure and the interval around it. */
export const predictionSchema = z
  .object({
    expected: measured,
    low: measured,
    high: measured,
  })
  .meta({
    id: 'Prediction',
    description:
      "The model's figure and the interval it predicts for a window like the one measured (its length, rate, connections, repeats).",
  });
export type Prediction = z.infer<typeof predictionSchema>;

export const theoryCheckSchema = z
  .object({
    metric: metricName,
    basis: z.enum(BASES).optional().meta({
      description:
        "'realised': against this run's own arrivals and service times (Lindley's recursion); absent or 'model': against the model's long-run figure for a window of this length.",
    }),
    measured,
    expected: measured,
    low: measured.meta({
      description: "The interval's lower end, widened by the instrument's resolution; null in files before version 3.",
    }),
    high: measured.meta({
      description: "The interval's upper end, widened by the instrument's resolution; null in files before version 3.",
    }),
    difference: measured.meta({ description: 'measured / expected − 1; infinite (null) when theory says 0 and the measurement is not.' }),
    agrees: z.boolean().meta({ description: 'low ≤ measured ≤ high.' }),
  })
  .meta({ id: 'TheoryCheck' });
export type TheoryCheck = z.infer<typeof theoryCheckSchema>;

export const generatorHealthSchema = z
  .object({
    eventLoopUtilization: measured,
    eventLoopDelayP99Ms: measured,
    cpuUtilization: measured.meta({ description: 'Its CPU time (user + system) over the run’s wall time: 1 is one core, all the time.' }),
    pid: z.int().meta({ description: 'Its process, so a caller can check it has gone.' }),
    remote: z
      .boolean()
      .optional()
      .meta({ description: 'On another host (a Locust worker the user started there): its CPU was not the server machine’s.' }),
    requests: z
      .int()
      .optional()
      .meta({ description: 'Requests it sent and recorded (a Locust worker): the run’s counts are the sum of its workers’.' }),
  })
  .meta({ id: 'GeneratorHealth', description: "How busy one load generator's own process was during a run." });
export type GeneratorHealth = z.infer<typeof generatorHealthSchema>;

const histogramSchema = z
  .string()
  .superRefine((encoded, context) => {
    const problem = histogramProblem(encoded);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    id: 'LatencyHistogram',
    description: 'An HDR histogram of latencies in µs (1 µs to 10 minutes, 3 significant digits), compressed and base64-encoded (V2).',
    contentEncoding: 'base64',
  });

export const timelineRequestSchema = z.tuple([z.int(), z.number(), z.number(), z.number(), z.number()]).meta({
  id: 'TimelineRequest',
  description:
    "One request, in ms from the timeline's origin: [row, planned send, actual send, answer, time being served (Server-Timing)]. Closed loop: the row is the connection and the planned send is the actual one. Open loop: the row is the request's place in the sample.",
});
export type TimelineRequest = z.infer<typeof timelineRequestSchema>;

export const timelineSampleSchema = z.tuple([z.number(), z.number(), z.number().nullable(), z.number(), z.number(), z.number()]).meta({
  id: 'TimelineSample',
  description:
    "/stats read during a run, over the interval since the same process's previous reading: [from, to, event-loop utilisation (null where the server has no event loop to measure), CPU in cores, requests inside a handler at the reading, ms the server took to answer /stats].",
});
export type TimelineSample = z.infer<typeof timelineSampleSchema>;

export const timelineSchema = z
  .object({ requests: z.array(timelineRequestSchema), samples: z.array(timelineSampleSchema) })
  .meta({ id: 'Timeline', description: 'What one run saw, request by request and /stats reading by reading, on one time axis.' });
export type Timeline = z.infer<typeof timelineSchema>;

export const runRecordSchema = z
  .object({
    repeat: z.int(),
    valid: z.boolean(),
    problems: z.array(z.string()).meta({ description: 'Why the run is invalid; empty when valid.' }),
    values: metricValuesSchema,
    latencyHistogram: histogramSchema
      .optional()
      .meta({ description: 'Load runs: 2xx latencies (open loop: of fast requests, from their planned time).' }),
    generators: z.array(generatorHealthSchema).optional().meta({ description: 'Every load generator’s health, one per process.' }),
    generator: z
      .object({ eventLoopUtilization: measured, eventLoopDelayP99Ms: measured })
      .optional()
      .meta({ description: 'Files written before --generators: the one load generator’s health.', deprecated: true }),
    generatorBound: z
      .boolean()
      .optional()
      .meta({ description: "A generator was over GENERATOR_LIMITS.busy: the run's figures are its limit, so the run is invalid." }),
    predicted: z
      .partialRecord(metricName, predictionSchema)
      .optional()
      .meta({ description: "Open loop: what a FIFO server would give this run's own arrivals and service times (Lindley's recursion)." }),
    tooFewSamples: z
      .array(metricName)
      .optional()
      .meta({ description: 'Metrics this run measured from too few samples to quote, so left out of `values`.' }),
    timeline: timelineSchema
      .optional()
      .meta({ description: 'io-bound and mixed, first repeat: a bounded sample of requests and /stats readings on one time axis.' }),
  })
  .meta({ id: 'RunRecord', description: 'One measured run of one server (warm-ups are not recorded).' });
export type RunRecord = z.infer<typeof runRecordSchema>;

export const serverResultSchema = z
  .object({
    server: z.string(),
    model: z.enum(MODELS),
    analogue: z.string(),
    valid: z
      .boolean()
      .meta({ description: 'False when any run was invalid or the server failed; its metrics then cover valid runs only.' }),
    failed: z.boolean().meta({ description: 'True when the server did not start, did not follow the contract, or exited during a run.' }),
    problems: z.array(z.string()),
    metrics: z.partialRecord(metricName, summarySchema).meta({ description: 'Over the valid runs.' }),
    warmup: metricValuesSchema
      .optional()
      .meta({ description: 'What the warm-up measured for theory (open loop: the baseline); absent when nothing.' }),
    expected: metricValuesSchema.meta({ description: 'What theory predicts.' }),
    theory: z.array(theoryCheckSchema),
    runs: z.array(runRecordSchema),
    pids: z
      .array(z.int())
      .meta({ description: 'Process ids of the server (primary and workers seen), all stopped when the scenario ended.' }),
  })
  .meta({ id: 'ServerResult' });
export type ServerResult = z.infer<typeof serverResultSchema>;

export const scenarioResultSchema = z
  .object({
    id: z.string(),
    kind: z.enum(KIND_NAMES),
    valid: z.boolean(),
    interrupted: z
      .boolean()
      .optional()
      .meta({ description: 'Ctrl-C or SIGTERM stopped it: its unfinished run is left out, and no server is blamed.' }),
    parameters: z
      .record(z.string(), z.union([z.string(), measured]))
      .meta({ description: 'What was sent: target, connections, workers, sleep and offset, plan shape.' }),
    results: z.array(serverResultSchema),
    leftOut: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "Servers selected but not run in this scenario, with why (e.g. Flask's app.run has no workers)." }),
    order: z.array(z.array(z.string())).optional().meta({
      description: "The order the servers ran in, round by round (the warm-up first, where the kind has one), from the run's seed.",
    }),
  })
  .meta({ id: 'ScenarioResult' });
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

export const databaseRecordSchema = z
  .object({
    source: z.enum(['embedded', 'given']).meta({
      description:
        "embedded: a throwaway PostgreSQL cluster loopbench started from this machine's binaries and deleted at the end; given: --database-url.",
    }),
    serverVersion: z.string().meta({ description: "PostgreSQL's SHOW server_version." }),
    url: z.string().optional().meta({ description: 'given: the URL, without its password.' }),
  })
  .meta({
    id: 'Database',
    description: 'The database the scenarios on /query waited in; absent when none of them ran.',
  });
export type DatabaseRecord = z.infer<typeof databaseRecordSchema>;

export const environmentSchema = z
  .object({
    node: z.string(),
    os: z.string(),
    arch: z.string(),
    cpuModel: z.string(),
    cpuCount: z.int(),
    memoryBytes: z.number(),
    gitCommit: z.string().nullable(),
    gitDirty: z.boolean().nullable().meta({ description: 'True when the working tree had uncommitted changes.' }),
    frameworks: z.record(z.string(), z.string()).meta({ description: 'Framework package → installed version, for every server run.' }),
    pinned: z.boolean().meta({ description: 'Whether servers and the load generator ran on separate cores (--pin).' }),
    loadGenerator: z.string(),
    otherRuns: z.array(z.int()).optional().meta({
      description:
        'Pids of other loopbench runs that measured on this machine during this one: they shared its cores, so neither run is to be trusted. Absent when there were none.',
    }),
    database: databaseRecordSchema.optional(),
  })
  .meta({ id: 'Environment' });
export type Environment = z.infer<typeof environmentSchema>;

export const runOptionsSchema = z
  .object({
    repeats: z.int(),
    durationS: z.number(),
    warmupS: z.number(),
    connections: z.int(),
    workers: z.int(),
    quick: z
      .boolean()
      .meta({ description: 'Short runs: every effect visible, not numbers to quote. Scenarios shorten their own shapes for it.' }),
    pin: z.boolean(),
    ratePerS: z.number().meta({ description: 'Requests per second of the open-loop scenarios.' }),
    generators: z.int().meta({ description: 'Load generator processes (or Locust workers) per run; their histograms add.' }),
    generator: z
      .enum(['built-in', 'locust'])
      .meta({ description: 'What sent the load: the built-in generator processes, or Locust workers timing every request as they do.' }),
    seed: z.int().meta({ description: 'Seeds the order the servers run in, each repeat; recorded, so a run can be repeated as it was.' }),
    host: z.string().meta({ description: 'Where servers listen: loopback unless --allow-non-loopback.' }),
    readyTimeoutS: z.number(),
  })
  .meta({ description: 'The knobs a run takes; each scenario turns them into its own settings.' });
/** The knobs a run takes; each scenario turns them into its own settings. */
export type RunOptions = z.infer<typeof runOptionsSchema>;

/** Files written before --generators and --seed lack those two: one generator, and no seed recorded. */
const resultsOptionsSchema = runOptionsSchema
  .extend({
    generators: runOptionsSchema.shape.generators.default(1),
    generator: runOptionsSchema.shape.generator.default('built-in'),
    seed: runOptionsSchema.shape.seed.optional(),
    servers: z.array(z.string()),
    scenarios: z.array(z.string()),
    timeoutS: z.number(),
  })
  .meta({
    id: 'Options',
    description: "The run's options as recorded: RunOptions, the servers and scenarios selected, and the request timeout.",
  });

export const resultsSchema = z
  .object({
    schema: z.literal(RESULTS_SCHEMA),
    schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
    createdAt: z.string(),
    complete: z.boolean().meta({ description: 'False while the run is under way, or when it was interrupted.' }),
    command: z.array(z.string()),
    environment: environmentSchema,
    options: resultsOptionsSchema,
    scenarios: z.array(scenarioResultSchema),
  })
  .meta({
    title: 'loopbench results.json',
    description: 'What `loopbench run` measured: numbers only; titles, claims and verdicts are made from them when rendering.',
  });
export type Results = z.infer<typeof resultsSchema>;

/** Before version 3 a check had no interval: low and high read as NaN (not recorded). */
const theoryCheckVersion2Schema = theoryCheckSchema.extend({
  low: measured.optional().transform(() => Number.NaN),
  high: measured.optional().transform(() => Number.NaN),
});
const resultsVersion2Schema = resultsSchema.extend({
  schemaVersion: z.literal(2),
  scenarios: z.array(
    scenarioResultSchema.extend({ results: z.array(serverResultSchema.extend({ theory: z.array(theoryCheckVersion2Schema) })) }),
  ),
});

export { resultsVersion2Schema };

/** Version 1: as version 2, with each scenario's title, claim and verdict, which reading drops (unknown keys are stripped). */
export const resultsVersion1Schema = resultsVersion2Schema.extend({ schemaVersion: z.literal(1) });

/** results.schema.json: the file as JSON Schema (draft 2020-12), for other tools and an independent validator. */
export function resultsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(resultsSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: ({ jsonSchema }) => {
      // z.int() states JavaScript's safe range, which says nothing about these numbers.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
}

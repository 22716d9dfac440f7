/** What is wrong with a value at a path of a results file, or undefined when it has the shape. */
type Check = (value: unknown, at: string) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const kind =
  (name: string, test: (value: unknown) => boolean): Check =>
  (value, at) =>
    test(value) ? undefined : `${at} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, not ${name}`;

const string = kind('a string', (v) => typeof v === 'string');
/** JSON has no NaN: a number not measured is written as null. */
const number = kind('a number', (v) => typeof v === 'number' || v === null);
const boolean = kind('true or false', (v) => typeof v === 'boolean');

const optional =
  (check: Check): Check =>
  (value, at) =>
    value === undefined ? undefined : check(value, at);

function object(fields: Record<string, Check>): Check {
  return (value, at) => {
    if (!isObject(value)) return kind('an object', () => false)(value, at);
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(value[key], `${at}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

function array(item: Check): Check {
  return (value, at) => {
    if (!Array.isArray(value)) return kind('an array', () => false)(value, at);
    for (const [i, element] of value.entries()) {
      const problem = item(element, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

function record(item: Check): Check {
  return (value, at) => {
    if (!isObject(value)) return kind('an object', () => false)(value, at);
    for (const [key, element] of Object.entries(value)) {
      const problem = item(element, `${at}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const summary = object({ median: number, min: number, max: number, runs: array(number) });

const serverResult = object({
  server: string,
  model: string,
  valid: boolean,
  failed: optional(boolean),
  problems: array(string),
  metrics: record(summary),
  warmup: optional(record(number)),
  expected: record(number),
  theory: array(object({ metric: string, measured: number, expected: number, agrees: boolean })),
  runs: array(
    object({
      repeat: number,
      valid: boolean,
      problems: array(string),
      values: record(number),
      timeline: optional(object({ requests: array(array(number)), samples: array(array(number)) })),
    }),
  ),
  pids: array(number),
});

/** The parts of a results file (either version) that report, compare and the renderers read. */
export const RESULTS_SHAPE: Check = object({
  createdAt: string,
  complete: boolean,
  command: array(string),
  environment: object({ node: string, os: string, arch: string, cpuModel: string, cpuCount: number, pinned: boolean }),
  options: object({ repeats: number, durationS: number, warmupS: number, connections: number, servers: array(string) }),
  scenarios: array(
    object({
      id: string,
      kind: string,
      valid: boolean,
      parameters: record((v, at) => (typeof v === 'string' || typeof v === 'number' ? undefined : `${at} is not a number or a string`)),
      results: array(serverResult),
    }),
  ),
});

// The false-alarm census's counting and its markdown (census.mjs): pure functions of the runs read,
// so a census folder can be re-rendered (--from) without running anything.
import { median } from '../dist/analysis/stats.js';

/** The scenarios whose rows the table always shows: the articles' two headline effects. */
export const ALWAYS_SHOWN = ['head-of-line', 'io-bound'];
const KINDS = ['default', 'quick'];
/** The census's goal (#24): at most this share of checks ✗. */
export const GOAL = 0.01;

const key = (...parts) => JSON.stringify(parts);
const perKind = (make) => Object.fromEntries(KINDS.map((kind) => [kind, make()]));

function entry(map, k, make) {
  if (!map.has(k)) map.set(k, make());
  return map.get(k);
}

/** Theory expects nothing (files before 7762134 wrote floating-point residue, ~1e-15, for a wait of none). */
const expectsZero = (expected) => Math.abs(expected) < 1e-9;

/** Half the interval theory predicts, relative to the expected value, in %; undefined where the check has none or expects 0. */
export function halfWidthPercent(check) {
  const { low, high, expected } = check;
  if (![low, high, expected].every(Number.isFinite) || expectsZero(expected)) return undefined;
  return (100 * (high - low)) / 2 / Math.abs(expected);
}

/** Half the interval, in the metric's own unit, where theory expects 0 (no relative width); else undefined. */
export function halfWidthWhereZero(check) {
  const { low, high, expected } = check;
  return expectsZero(expected) && Number.isFinite(low) && Number.isFinite(high) ? (high - low) / 2 : undefined;
}

/** The checks of one run, and how many were ✗. */
export function checksOf(results) {
  const checks = results.scenarios.flatMap((scenario) => scenario.results.flatMap((result) => result.theory));
  return { checks: checks.length, failed: checks.filter((check) => check.agrees === false).length };
}

/**
 * Counts over the runs read, each { name, kind: 'default' | 'quick', results?, problem?, exitCode?, signal? }:
 * per check (scenario, server, metric, basis), the runs that made it and those where it was ✗; per
 * scenario and server, the runs that ran it, those where it was invalid (and why) and the metrics
 * with too few samples; and the runs that wrote nothing, were interrupted, shared the machine or
 * exited non-zero.
 */
export function tally(entries) {
  const census = {
    runs: perKind(() => 0),
    checks: new Map(),
    pairs: new Map(),
    tooFew: new Map(),
    failed: [],
    interrupted: [],
    shared: [],
    exited: [],
    commits: new Map(),
  };
  for (const run of entries) {
    if (!run.results) {
      census.failed.push(run);
      continue;
    }
    const { kind, results } = run;
    census.runs[kind]++;
    if (!results.complete) census.interrupted.push(run.name);
    if (results.environment.otherRuns?.length) census.shared.push({ name: run.name, pids: results.environment.otherRuns });
    if (run.exitCode !== undefined && run.exitCode !== 0) census.exited.push(run);
    const commit = `${results.environment.gitCommit?.slice(0, 7) ?? 'no commit'}${results.environment.gitDirty ? ' with uncommitted changes' : ''}`;
    census.commits.set(commit, (census.commits.get(commit) ?? 0) + 1);
    for (const scenario of results.scenarios) {
      for (const result of scenario.results) {
        const pair = entry(census.pairs, key(scenario.id, result.server), () => ({
          scenario: scenario.id,
          server: result.server,
          runs: perKind(() => 0),
          invalid: perKind(() => 0),
          problems: new Map(),
        }));
        pair.runs[kind]++;
        if (!result.valid) {
          pair.invalid[kind]++;
          const problems = result.problems.length > 0 ? result.problems : [scenario.interrupted ? 'interrupted' : 'no problem recorded'];
          for (const problem of problems) pair.problems.set(problem, (pair.problems.get(problem) ?? 0) + 1);
        }
        for (const check of result.theory) {
          const basis = check.basis ?? '';
          const row = entry(census.checks, key(scenario.id, result.server, check.metric, basis), () => ({
            scenario: scenario.id,
            server: result.server,
            metric: check.metric,
            basis,
            ...perKind(() => ({ runs: 0, failed: 0 })),
            halfWidths: [],
            zeroHalfWidths: [],
          }));
          row[kind].runs++;
          if (check.agrees === false) row[kind].failed++;
          const halfWidth = halfWidthPercent(check);
          if (halfWidth !== undefined) row.halfWidths.push(halfWidth);
          const zeroHalfWidth = halfWidthWhereZero(check);
          if (zeroHalfWidth !== undefined) row.zeroHalfWidths.push(zeroHalfWidth);
        }
        const repeats = new Map();
        for (const repeat of result.runs)
          for (const metric of repeat.tooFewSamples ?? []) repeats.set(metric, (repeats.get(metric) ?? 0) + 1);
        for (const [metric, count] of repeats) {
          const cell = entry(census.tooFew, key(scenario.id, result.server, metric), () => ({
            scenario: scenario.id,
            server: result.server,
            metric,
            runs: perKind(() => 0),
            repeats: 0,
          }));
          cell.runs[kind]++;
          cell.repeats += count;
        }
      }
    }
  }
  return census;
}

/** All checks and those ✗, of one kind of run or both, in the scenarios given or all. */
export function totals(census, { kinds = KINDS, scenarios } = {}) {
  let checks = 0;
  let failed = 0;
  for (const row of census.checks.values()) {
    if (scenarios && !scenarios.includes(row.scenario)) continue;
    for (const kind of kinds) {
      checks += row[kind].runs;
      failed += row[kind].failed;
    }
  }
  return { checks, failed };
}

const count = (n) => n.toLocaleString('en-US');
const share = (part, whole) => {
  if (whole === 0) return '—';
  const percent = (100 * part) / whole;
  return part > 0 && percent < 0.05 ? '<0.1%' : `${percent.toFixed(1)}%`;
};
const plural = (n, word) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
const cell = (text) => String(text).replaceAll('|', '\\|');
const ratio = ({ failed, runs }) => (runs === 0 ? '—' : `${failed}/${runs}`);
/** "in 3 of 10 default runs and 0 of 20 quick runs", naming only the kinds that ran. */
const inRuns = (counts, of) =>
  KINDS.filter((kind) => of[kind] > 0)
    .map((kind) => `${counts[kind]} of ${plural(of[kind], `${kind} run`)}`)
    .join(' and ');

/** 1 h 3 min, 2 min 51 s, 45 s. */
export function duration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** The totals line: every ✗ over every check, by kind of run, and on the headline scenarios. */
export function totalsLine(census) {
  const all = totals(census);
  const byKind = KINDS.filter((kind) => census.runs[kind] > 0).map((kind) => {
    const t = totals(census, { kinds: [kind] });
    return `${kind}: ${count(t.failed)} of ${count(t.checks)}`;
  });
  const headline = totals(census, { scenarios: ALWAYS_SHOWN });
  const rate = all.checks === 0 ? undefined : all.failed / all.checks;
  const goal =
    rate === undefined ? 'no checks to judge' : `${rate <= GOAL ? 'within' : 'over'} the goal of at most ${(100 * GOAL).toFixed(0)}%`;
  return (
    `**${count(all.failed)} ✗ of ${plural(all.checks, 'check')} (${share(all.failed, all.checks)})** over ` +
    `${plural(census.runs.default, 'default run')} and ${plural(census.runs.quick, 'quick run')}` +
    `${byKind.length > 1 ? ` (${byKind.join(', ')})` : ''}; ` +
    `${count(headline.failed)} on ${ALWAYS_SHOWN.join(' and ')} (of ${count(headline.checks)}): ${goal}.`
  );
}

/** The table's rows: every check ✗ at least once, and every check of the headline scenarios. */
export function shownRows(census) {
  return [...census.checks.values()].filter((row) => ALWAYS_SHOWN.includes(row.scenario) || KINDS.some((kind) => row[kind].failed > 0));
}

function table(census) {
  const rows = shownRows(census);
  if (rows.length === 0) return ['No check was ✗, and no run had head-of-line or io-bound.'];
  return [
    '| scenario | server | metric | basis | default ✗/runs | quick ✗/runs | median interval ±% |',
    '| --- | --- | --- | --- | ---: | ---: | ---: |',
    ...rows.map((row) => {
      const width =
        row.halfWidths.length > 0
          ? `±${median(row.halfWidths).toFixed(1)}%`
          : row.zeroHalfWidths.length > 0
            ? `±${Number(median(row.zeroHalfWidths).toPrecision(3))} (expected 0)`
            : '—';
      return `| ${[row.scenario, row.server, row.metric, row.basis || '—'].map(cell).join(' | ')} | ${ratio(row.default)} | ${ratio(row.quick)} | ${width} |`;
    }),
  ];
}

/** Too-few-samples cells, one line per scenario and server with the metrics missing in the same runs. */
function tooFewLines(census) {
  const groups = new Map();
  for (const c of census.tooFew.values()) {
    const where = inRuns(c.runs, census.pairs.get(key(c.scenario, c.server)).runs);
    entry(groups, key(c.scenario, c.server, where), () => ({ ...c, where, cells: [] })).cells.push(c);
  }
  return [...groups.values()].map((g) => {
    const same = g.cells.every((c) => c.repeats === g.cells[0].repeats);
    const metrics = g.cells.map((c) => `\`${c.metric}\`${same ? '' : ` (${plural(c.repeats, 'repeat')})`}`).join(', ');
    const repeats = same ? ` (${plural(g.cells[0].repeats, 'repeat')}${g.cells.length > 1 ? ' each' : ''})` : '';
    return `- ${g.scenario} · ${g.server}: ${metrics} in ${g.where}${repeats}`;
  });
}

function invalidLines(census) {
  return [...census.pairs.values()]
    .filter((pair) => KINDS.some((kind) => pair.invalid[kind] > 0))
    .map((pair) => {
      const problems = [...pair.problems].sort((a, b) => b[1] - a[1]);
      const shown = problems.slice(0, 3).map(([problem, n]) => (n > 1 ? `${problem} (×${n})` : problem));
      const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
      return `- ${pair.scenario} · ${pair.server}: invalid in ${inRuns(pair.invalid, pair.runs)}: ${shown.join('; ')}${more}`;
    });
}

function runLines(census) {
  const lines = [];
  for (const run of census.failed) {
    const how = run.signal ? `, stopped by ${run.signal}` : run.exitCode !== undefined ? `, exit ${run.exitCode}` : '';
    lines.push(`- ${run.name}: ${run.problem}${how}`);
  }
  if (census.interrupted.length > 0) lines.push(`- interrupted (results.json not complete): ${census.interrupted.join(', ')}`);
  for (const run of census.exited)
    lines.push(`- ${run.name} exited ${run.exitCode}${run.exitCode === 1 ? ' (a server failed)' : ''} but wrote its results`);
  for (const run of census.shared)
    lines.push(
      `- ${run.name} shared the machine with another loopbench run (pid ${run.pids.join(', ')}): its numbers are not to be trusted`,
    );
  return lines.length > 0 ? lines : ['- every run wrote a complete results.json, alone on the machine'];
}

/**
 * The census as markdown. `header`: { machine, date (ISO), wallMs?, command?, each?, firstCommand? }.
 */
export function render(census, header) {
  const date = header.date ? `${header.date.slice(0, 16).replace('T', ' ')} UTC` : 'not recorded';
  const wall = header.wallMs === undefined ? 'not recorded' : duration(header.wallMs);
  const commits = [...census.commits].map(([commit, n]) => (census.commits.size > 1 ? `${commit} (${n} runs)` : commit));
  const tooFew = tooFewLines(census);
  const invalid = invalidLines(census);
  return [
    '# False-alarm census',
    '',
    `- Machine: ${header.machine}`,
    `- Date: ${date}; wall time ${wall}`,
    `- Command: ${header.command ? `\`${header.command}\`` : 'not recorded'}`,
    ...(header.each ? [`- Each run: \`${header.each}\`, one after another`] : []),
    ...(header.firstCommand ? [`- The first run's command: \`${header.firstCommand}\``] : []),
    ...(commits.length > 0 ? [`- Commit: ${commits.join(', ')}`] : []),
    '',
    totalsLine(census),
    '',
    `Every check that was ✗ at least once, and every check of ${ALWAYS_SHOWN.join(' and ')}. ✗/runs: the runs where the ` +
      'measurement disagreed with theory, of the runs that made the check. Median interval: half the interval theory ' +
      "predicts, relative to the expected value, the median over the runs; where theory expects 0, in the metric's own unit; " +
      '— where results.json has no interval.',
    '',
    ...table(census),
    '',
    'Too few samples to quote (no check made):',
    '',
    ...(tooFew.length > 0 ? tooFew : ['- none']),
    '',
    'Invalid servers:',
    '',
    ...(invalid.length > 0 ? invalid : ['- none']),
    '',
    'Runs:',
    '',
    ...runLines(census),
    '',
  ].join('\n');
}

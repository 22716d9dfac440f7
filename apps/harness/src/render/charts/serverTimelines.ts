import type { RunRecord, ScenarioResult, Timeline } from '../../results/results.js';

/** A server's recorded timeline and the run it came from. */
export interface ServerTimeline {
  server: string;
  run: RunRecord;
  timeline: Timeline;
}

/** Each server's recorded timeline: from its first valid run that has one, else its first run that has one. */
export function serverTimelines(scenario: ScenarioResult): ServerTimeline[] {
  return scenario.results.flatMap((r) => {
    const run = r.runs.find((x) => x.valid && x.timeline) ?? r.runs.find((x) => x.timeline);
    return run?.timeline ? [{ server: r.server, run, timeline: run.timeline }] : [];
  });
}

/** Where a run's timeline ends: its last answer, so both timeline charts of a scenario share one axis. */
export const timelineEndMs = (entries: ServerTimeline[]) =>
  Math.max(0, ...entries.flatMap(({ timeline }) => timeline.requests.map((r) => r[3])));

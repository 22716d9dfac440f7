import type { Environment } from '../results/results.js';

/** One line for tables and summaries. */
export function describeEnvironment(env: Environment): string {
  const commit = env.gitCommit ? `${env.gitCommit.slice(0, 10)}${env.gitDirty ? '+dirty' : ''}` : 'no git';
  const frameworks = Object.entries(env.frameworks)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const others = env.otherRuns?.length
    ? `; other loopbench runs measuring at the same time (pid ${env.otherRuns.join(', ')}): numbers not to be trusted`
    : '';
  const database = env.database
    ? `; PostgreSQL ${env.database.serverVersion}, ${env.database.source === 'embedded' ? 'a throwaway cluster' : `given (${env.database.url ?? 'its URL not recorded'})`}`
    : '';
  return `Node ${env.node.replace(/^v/, '')} on ${env.os} (${env.arch}), ${env.cpuCount} × ${env.cpuModel}, ${Math.round(env.memoryBytes / 2 ** 30)} GiB; ${frameworks}; commit ${commit}; ${env.pinned ? 'pinned (--pin)' : 'not pinned'}${database}${others}`;
}

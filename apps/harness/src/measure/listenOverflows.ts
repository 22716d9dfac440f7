import { readFileSync } from 'node:fs';

/**
 * Linux's count of connections dropped because a listen backlog was full (TcpExt ListenOverflows,
 * machine-wide), or undefined where it cannot be read. A full backlog delays or drops requests, so an
 * open-loop run whose count moved is not trusted.
 */
export function readListenOverflows(file = '/proc/net/netstat'): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const at = names.indexOf('ListenOverflows');
  const value = at > 0 ? Number(values[at]) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

import { describe, expect, it } from 'vitest';
import { derivedSeed, seededRandom, shuffled } from './random.js';

describe('the order servers run in', () => {
  const servers = ['express-blocking', 'koa', 'node-http', 'fastify'];
  const rounds = (seed: number, id: string) => {
    const random = seededRandom(derivedSeed(seed, id));
    return Array.from({ length: 20 }, () => shuffled(servers, random).join(' '));
  };

  it('is every server once per round, in an order the seed decides', () => {
    for (const round of rounds(7, 'hello')) expect(round.split(' ').sort()).toEqual([...servers].sort());
    expect(rounds(7, 'hello')).toEqual(rounds(7, 'hello'));
    expect(rounds(8, 'hello')).not.toEqual(rounds(7, 'hello'));
    expect(rounds(7, 'io-bound')).not.toEqual(rounds(7, 'hello'));
  });

  it('is not a fixed A B A B: over rounds, each server leads', () => {
    const leaders = new Set(rounds(1, 'hello').map((round) => round.split(' ')[0]));
    expect(leaders.size).toBe(servers.length);
  });
});

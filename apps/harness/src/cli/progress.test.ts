import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

describe('createProgress on a terminal', () => {
  it('cuts the live line to the terminal width, so it can be rewritten in place', () => {
    const writes: string[] = [];
    const stream = { isTTY: true, columns: 40, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
    const progress = createProgress(stream, () => {});
    progress.step(`warming up ${'a-very-long-server-name-'.repeat(5)}`);
    progress.close();
    const drawn = writes.filter((w) => w.includes('warming up')).map((w) => w.replace('\r\u001b[2K', ''));
    expect(drawn.length).toBeGreaterThan(0);
    for (const line of drawn) expect(line.length).toBeLessThan(40);
  });
});

import { main } from './main.js';

/** Runs the CLI in-process with its output captured, as bin/loopbench.js runs it. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void) => {
    const write = (s: string) => {
      append(s);
      return true;
    };
    return { write, isTTY: false } as unknown as NodeJS.WriteStream;
  };
  const code = await main(argv, {
    out: stream((s) => {
      out += s;
    }),
    err: stream((s) => {
      err += s;
    }),
  });
  return { code, out, err };
}

// After tsc, which emits only what it compiles: copies the files the built code reads at run time
// (the report's stylesheet and script) from src/ to the same place in dist/.
import { cpSync, rmSync } from 'node:fs';

const ASSETS = ['render/assets'];

for (const dir of ASSETS) {
  const to = new URL(`../dist/${dir}`, import.meta.url);
  // Replace, not merge: an asset removed from src/ must not linger in dist/.
  rmSync(to, { recursive: true, force: true });
  cpSync(new URL(`../src/${dir}`, import.meta.url), to, { recursive: true });
}

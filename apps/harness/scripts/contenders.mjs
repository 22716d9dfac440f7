// What the contract's cost is measured against, shared by the overhead and instructions benchmarks.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerPackage } from '@loopbench/contract';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

/** Each measured server and the minimal app of its framework (bench/minimal/). */
export const MINIMAL = { koa: 'koa.mjs', 'node-http': 'node-http.mjs', 'express-async': 'express.mjs' };

/** The contract may cost at most 10% (#12), its waiting/served split (header and sampling) 2% (#13). */
export const LIMITS = { contract: 0.9, split: 0.98 };

/** The server package of a measured server. */
export const serverPackage = (name) => readServerPackage(path.join(root, `packages/server-${name}`));

/** The minimal app of a measured server's framework, started like a server package. */
export const minimalPackage = (name) => ({
  name: `${name} (minimal)`,
  model: 'non-blocking',
  analogue: '',
  start: [process.execPath, MINIMAL[name]],
  packageName: '',
  packageDir: path.join(here, '../bench/minimal'),
});

#!/usr/bin/env node
// Writes results.schema.json, the JSON Schema of results.json, from the zod schema that `loopbench
// report` and `compare` check files with (src/results/schema.ts), as built in dist/. The file is
// committed for other tools; results/schema.test.ts fails when it is out of date.
// Usage: npm run schema -w @loopbench/harness (builds first).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resultsJsonSchema } from '../dist/results/schema.js';

const file = fileURLToPath(new URL('../results.schema.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`);
process.stdout.write(`${file}\n`);

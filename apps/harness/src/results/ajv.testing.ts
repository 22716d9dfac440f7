import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** The committed results.schema.json, compiled by ajv: a validator independent of the zod schema it was made from. */
const validate = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync(new URL('../../results.schema.json', import.meta.url), 'utf8')) as object,
);

/** What ajv finds wrong with a parsed results.json against results.schema.json: empty when it conforms. */
export function schemaProblems(data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

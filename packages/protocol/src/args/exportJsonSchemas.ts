/**
 * Writes the JSON Schema files of the task arguments to packages/protocol/schemas/.
 * Run after changing a schema: `npx tsx packages/protocol/src/args/exportJsonSchemas.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTaskArgsJsonSchemas } from './jsonSchemas.js';

/** packages/protocol/schemas, where the generated files are committed. */
export const schemasDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(schemasDir, { recursive: true });
  for (const [fileName, text] of Object.entries(getTaskArgsJsonSchemas())) {
    writeFileSync(join(schemasDir, fileName), text);
    console.log(`wrote ${join(schemasDir, fileName)}`);
  }
}

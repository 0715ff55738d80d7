/** Writes vectors.json beside this file: `npx tsx packages/protocol/src/commitment/writeVectors.ts`. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getCommitmentVectors } from './getCommitmentVectors.js';

/** packages/protocol/src/commitment/vectors.json. */
export const vectorsPath = join(dirname(fileURLToPath(import.meta.url)), 'vectors.json');

/** The exact text of vectors.json. */
export function renderCommitmentVectors(): string {
  return `${JSON.stringify(getCommitmentVectors(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(vectorsPath, renderCommitmentVectors());
  console.log(`wrote ${vectorsPath}`);
}

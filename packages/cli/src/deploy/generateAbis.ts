import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildContracts, contractsDir, loadArtifact } from './artifacts.js';

/** The contracts whose ABIs the TypeScript side uses, under the names it imports them by. */
export const abiContracts = {
  nodeRegistryAbi: 'NodeRegistry',
  taskManagerAbi: 'TaskManager',
  incentivePoolAbi: 'IncentivePool',
  vrfVerifierAbi: 'VRFVerifier',
} as const;

export const generatedAbisPath = resolve(contractsDir, '../packages/protocol/src/chain/abis.generated.ts');

/** Renders the typed ABI module (`as const`, so viem infers every function, event and error). */
export function renderAbis(): string {
  const parts = Object.entries(abiContracts).map(
    ([exportName, contractName]) =>
      `export const ${exportName} = ${JSON.stringify(loadArtifact(contractName).abi, null, 2)} as const;\n`,
  );
  return `// Generated from the forge artifacts by \`npm run generate:abis\`; do not edit.\n\n${parts.join('\n')}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildContracts();
  writeFileSync(generatedAbisPath, renderAbis());
  console.log(`wrote ${generatedAbisPath}`);
}

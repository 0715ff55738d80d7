/**
 * Example (docs/sdk.md): a Stable Diffusion task; the verified PNGs are written to a folder.
 *   npx tsx packages/sdk/src/examples/images.ts [relay URL] [deployment.json] [out dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDeployment } from '@verinet/protocol/chain';
import { createClient, getChainFromDeployment, VerinetError } from '@verinet/sdk/node';

const relay = process.argv[2] ?? 'http://127.0.0.1:8600';
const deployment = readDeployment(process.argv[3] ?? '.verinet/devnet/deployment.json');
const out = process.argv[4] ?? '.verinet/examples/images';
const client = createClient({
  chain: getChainFromDeployment(deployment),
  relay,
  account: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
});
try {
  const result = await client.images.generate(
    {
      base_model: 'verinet/tiny-sd',
      prompt: 'a lighthouse at dawn',
      task_config: { image_width: 64, image_height: 64, steps: 2, seed: 42, num_images: 2 },
    },
    { onProgress: (event) => console.log(event.type) },
  );
  mkdirSync(out, { recursive: true });
  for (const image of result.images) {
    const path = join(out, image.name);
    writeFileSync(path, image.png);
    console.log(path, 'pHash', image.pHash);
  }
} catch (error) {
  // Every SDK error is a VerinetError with a short message and what to do about it.
  console.error(error instanceof VerinetError ? error.message : error);
  process.exitCode = 1;
} finally {
  await client.close();
}

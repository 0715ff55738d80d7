import type { SdTaskArgsInput } from '@verinet/protocol/args';
import { runTask } from '../actions/runTask.js';
import type { SdkContext } from '../client/context.js';
import type { RunOptions, TaskResultBase } from '../types.js';

export type ImagesGenerateParameters = SdTaskArgsInput;
export type GeneratedImage = { index: number; name: string; png: Uint8Array; pHash: `0x${string}` };
export type ImagesGenerateResult = TaskResultBase & { images: GeneratedImage[] };

/**
 * Runs a Stable Diffusion task and resolves with its PNG images once they are verified against the on-chain
 * score (each image's pHash is 8 bytes of it).
 *
 * @example
 * const { images } = await client.images.generate({ base_model: 'runwayml/stable-diffusion-v1-5', prompt: 'a lighthouse' });
 */
export async function generateImages(
  context: SdkContext,
  args: ImagesGenerateParameters,
  options: RunOptions = {},
): Promise<ImagesGenerateResult> {
  const result = await runTask(context, { type: 'sd', args }, options);
  const score = result.base.score.slice(2);
  return {
    ...result.base,
    images: result.files.map((file, index) => ({
      index,
      name: file.name,
      png: file.bytes,
      pHash: `0x${score.slice(index * 16, index * 16 + 16)}` as const,
    })),
  };
}

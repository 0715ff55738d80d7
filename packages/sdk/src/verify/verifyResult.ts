import { sha256 } from '@noble/hashes/sha2.js';
import { decodeTaskArgs } from '@verinet/protocol/args';
import { getPixelsPHash, getTextScore } from '@verinet/protocol/score/browser';
import { bytesToHex, type Hex } from 'viem';
import { ResultVerificationError } from '../errors/index.js';
import type { ResultManifest } from '../relay/createRelayClient.js';
import type { DecodeImage, ResultFile, SdkTaskType } from '../types.js';

export type VerifyResultParameters = {
  taskType: SdkTaskType;
  taskKey: Hex;
  /** The node's score as the chain recorded it (TaskScoreReady). */
  score: Hex;
  /** The canonical arguments the app committed to (they fix the image count). */
  args: Uint8Array;
  manifest: ResultManifest;
  files: ResultFile[];
  decodeImage: DecodeImage;
};

/** The result file names a task must have: `0.png` … for images, `result.json` for chat. */
export function getExpectedNames(taskType: SdkTaskType, args: Uint8Array): string[] {
  if (taskType === 'llm') return ['result.json'];
  const parsed = decodeTaskArgs(args) as { task_config?: { num_images?: number } };
  const count = parsed.task_config?.num_images ?? 1;
  return Array.from({ length: count }, (_, i) => `${i}.png`);
}

/**
 * Checks downloaded result bytes against the chain, and throws ResultVerificationError on any difference: the
 * manifest's score is the on-chain score, the file set is the one the arguments ask for, every file has the
 * sha256 the relay listed, and the score recomputed from the bytes (pHash of each image, sha256 of the chat
 * JSON) equals the on-chain score byte for byte.
 *
 * @example
 * await verifyResult({ taskType: 'llm', taskKey, score, args, manifest, files, decodeImage });
 */
export async function verifyResult(parameters: VerifyResultParameters): Promise<void> {
  const { taskKey, manifest, files } = parameters;
  const fail = (problem: string) => new ResultVerificationError(taskKey, problem);
  const score = parameters.score.toLowerCase();
  if (manifest.score?.toLowerCase() !== score)
    throw fail(`the relay lists score ${manifest.score}, the chain ${parameters.score}`);
  const expected = getExpectedNames(parameters.taskType, parameters.args);
  const names = files.map((f) => f.name);
  if (names.length !== expected.length || expected.some((name, i) => names[i] !== name))
    throw fail(`expected files ${expected.join(', ')}, got ${names.join(', ') || 'none'}`);
  for (const file of files) {
    const listed = manifest.files.find((f) => f.name === file.name);
    const digest = bytesToHex(sha256(file.bytes));
    if (!listed || listed.sha256.toLowerCase() !== digest)
      throw fail(`${file.name} hashes to ${digest}, the relay listed ${listed?.sha256 ?? 'nothing'}`);
  }
  let recomputed: Uint8Array;
  if (parameters.taskType === 'llm') {
    recomputed = getTextScore(files[0]!.bytes);
  } else {
    recomputed = new Uint8Array(files.length * 8);
    for (const [index, file] of files.entries()) {
      let pixels: Awaited<ReturnType<DecodeImage>>;
      try {
        pixels = await parameters.decodeImage(file.bytes, index);
      } catch (cause) {
        throw fail(`${file.name} cannot be decoded (${(cause as Error).message})`);
      }
      recomputed.set(getPixelsPHash(pixels), index * 8);
    }
  }
  const hex = bytesToHex(recomputed);
  if (hex !== score) throw fail(`the bytes score ${hex}, the chain recorded ${parameters.score}`);
}

import { sha256 } from '@noble/hashes/sha2.js';
import { parseTaskArgsBytes } from '@verinet/protocol/args';
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
  /**
   * The relay's manifest of the result (its score, each file's sha256). Optional for chat results: their score is
   * the sha256 of the one file's bytes, recomputed here, so the manifest adds no check the chain's score does not
   * make. Required for images (their score is a perceptual hash: the listed sha256 pins the exact bytes).
   */
  manifest?: ResultManifest | undefined;
  files: ResultFile[];
  decodeImage: DecodeImage;
};

/** The result file names a task must have: `0.png` … for images, `result.json` for chat. */
export function getExpectedNames(taskType: SdkTaskType, args: Uint8Array): string[] {
  if (taskType === 'llm') return ['result.json'];
  const count = parseTaskArgsBytes('sd', args).task_config.num_images;
  return Array.from({ length: count }, (_, i) => `${i}.png`);
}

/** Width and height from a PNG's IHDR chunk (read before decoding: a forged giant image is refused unread). */
function readPngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Checks downloaded result bytes against the chain, and throws ResultVerificationError on any difference: the
 * manifest's score is the on-chain score, the file set is the one the arguments ask for, every file has the
 * sha256 the relay listed, and the score recomputed from the bytes (pHash of each image, sha256 of the chat
 * JSON) equals the on-chain score byte for byte. Without a manifest (chat results only) the last two checks
 * stand alone: the chat JSON's sha256 is its score.
 *
 * @example
 * await verifyResult({ taskType: 'llm', taskKey, score, args, manifest, files, decodeImage });
 */
export async function verifyResult(parameters: VerifyResultParameters): Promise<void> {
  const { taskKey, manifest, files } = parameters;
  const fail = (problem: string) => new ResultVerificationError(taskKey, problem);
  const score = parameters.score.toLowerCase();
  if (!manifest && parameters.taskType !== 'llm')
    throw fail('no manifest of the relay to check the images against');
  if (manifest && manifest.score?.toLowerCase() !== score)
    throw fail(`the relay lists score ${manifest.score}, the chain ${parameters.score}`);
  const expected = getExpectedNames(parameters.taskType, parameters.args);
  const names = files.map((f) => f.name);
  if (names.length !== expected.length || expected.some((name, i) => names[i] !== name))
    throw fail(`expected files ${expected.join(', ')}, got ${names.join(', ') || 'none'}`);
  for (const file of manifest ? files : []) {
    const listed = manifest?.files.find((f) => f.name === file.name);
    const digest = bytesToHex(sha256(file.bytes));
    if (!listed || listed.sha256.toLowerCase() !== digest)
      throw fail(`${file.name} hashes to ${digest}, the relay listed ${listed?.sha256 ?? 'nothing'}`);
  }
  let recomputed: Uint8Array;
  if (parameters.taskType === 'llm') {
    recomputed = getTextScore(files[0]!.bytes);
  } else {
    // A side the arguments leave to the model (task version 1.2.0) is any image side, the same for every image.
    let { image_width, image_height } = parseTaskArgsBytes('sd', parameters.args).task_config;
    const side = (n: number) => n % 8 === 0 && n >= 64 && n <= 2048;
    recomputed = new Uint8Array(files.length * 8);
    for (const [index, file] of files.entries()) {
      const size = readPngSize(file.bytes);
      if (!size) throw fail(`${file.name} is not a PNG`);
      if (
        (image_width ?? (side(size.width) ? size.width : -1)) !== size.width ||
        (image_height ?? (side(size.height) ? size.height : -1)) !== size.height
      )
        throw fail(
          `${file.name} is ${size.width}×${size.height}, the arguments ask for ${image_width ?? 'the model default'}×${image_height ?? 'the model default'}`,
        );
      image_width = size.width;
      image_height = size.height;
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

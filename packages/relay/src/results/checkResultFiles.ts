import { createHash } from 'node:crypto';
import {
  canonicalizeJson,
  decodeTaskArgs,
  InvalidTaskArgsError,
  llmTaskArgsSchema,
  sdTaskArgsSchema,
} from '@verinet/protocol/args';
import { decodeImage, getImageScore, type RawPixels } from '@verinet/protocol/score';
import { bytesToHex, type Hex } from 'viem';
import { z } from 'zod';
import { RelayError } from '../errors/RelayError.js';

export type CheckResultFilesParameters = {
  taskType: 'sd' | 'llm' | 'sd_ft';
  /** The canonical argument bytes the relay holds for the task. */
  argsBytes: Uint8Array;
  /** Names of the uploaded files. */
  names: readonly string[];
  /** Reads one uploaded file (bounded by the upload limit). */
  read: (name: string) => Promise<Uint8Array>;
  /**
   * The pHashes of the decoded images (createPHashPool's hashAll, off the event loop); by default computed here,
   * on the calling thread. Either way `getPixelsPHash` of @verinet/protocol: the score is the same.
   */
  hashAll?: ((pixels: readonly RawPixels[]) => Promise<Uint8Array[]>) | undefined;
  /**
   * Called once with the decoded size of all the images (width × height × 3 bytes each, from their PNG headers)
   * before any is decoded; returns the release, called when the check ends. Throws to refuse the result before
   * any decode work (createPHashPool's reserve; hashAll then gets pixels already counted).
   */
  reserve?: ((pixelBytes: number) => () => void) | undefined;
};

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The chat result as packages/worker/src/llm/buildChatResult.ts writes it. */
const chatResultSchema = z.strictObject({
  model: z.string(),
  choices: z
    .array(
      z.strictObject({
        index: z.int().min(0),
        message: z.strictObject({ role: z.literal('assistant'), content: z.string() }),
        finish_reason: z.enum(['stop', 'length']),
      }),
    )
    .min(1),
  usage: z.strictObject({
    prompt_tokens: z.int().min(0),
    completion_tokens: z.int().min(0),
    total_tokens: z.int().min(0),
  }),
  // The decoding settings the node used (worker's resolveGenerationConfig); hashed with the rest.
  generation_config: z.strictObject({
    do_sample: z.boolean(),
    temperature: z.number().min(0),
    top_k: z.int().min(0),
    top_p: z.number().min(0).max(1),
    min_p: z.number().min(0).max(1).nullable(),
    typical_p: z.number().min(0).max(1),
    repetition_penalty: z.number().positive(),
    max_new_tokens: z.int().min(0),
    eos_token_id: z.array(z.int().min(0)),
  }),
});

/** The file names an image result must have: `0.png` … `(n-1).png`. */
export function getImageNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i}.png`);
}

function parseArgs<T>(bytes: Uint8Array, schema: z.ZodType<T>): T {
  // The relay only stores schema-valid canonical arguments, so this holds; the check keeps a corrupted or
  // foreign store from turning into a 500.
  const parsed = schema.safeParse(decodeTaskArgs(bytes));
  if (!parsed.success)
    throw new RelayError('RESULT_FILES_MISMATCH', 'The arguments held for this task do not parse.');
  return parsed.data;
}

/**
 * Checks a result PNG's header and returns its size. A side the arguments leave to the model (task version
 * 1.2.0 without image_width/image_height) may be any image side (a multiple of 8 in 64…2048).
 */
function checkPngHeader(
  name: string,
  bytes: Uint8Array,
  width: number | undefined,
  height: number | undefined,
): { width: number; height: number } {
  const fail = (why: string) =>
    new RelayError(
      'RESULT_IMAGE_INVALID',
      `${name}: ${why}; results must be 8-bit RGB PNGs (no alpha, no palette).`,
    );
  if (bytes.length < 33 || pngSignature.some((b, i) => bytes[i] !== b)) throw fail('not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ihdr = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (view.getUint32(8) !== 13 || ihdr !== 'IHDR') throw fail('the PNG does not start with an IHDR chunk');
  const w = view.getUint32(16);
  const h = view.getUint32(20);
  const depth = bytes[24]!;
  const colour = bytes[25]!;
  const interlace = bytes[28]!;
  if (depth !== 8) throw fail(`bit depth ${depth}`);
  if (colour !== 2)
    throw fail(
      `colour type ${colour} (${{ 0: 'grey', 3: 'palette', 4: 'grey with alpha', 6: 'RGB with alpha' }[colour] ?? 'unknown'})`,
    );
  if (interlace !== 0) throw fail('interlaced');
  const side = (n: number) => n % 8 === 0 && n >= 64 && n <= 2048;
  if ((width ?? (side(w) ? w : -1)) !== w || (height ?? (side(h) ? h : -1)) !== h)
    throw new RelayError(
      'RESULT_IMAGE_INVALID',
      `${name}: ${w}×${h} pixels, the arguments ask for ${width ?? 'the model default'}×${height ?? 'the model default'}.`,
    );
  return { width: w, height: h };
}

/**
 * Checks a task's uploaded result files against the arguments the relay holds and recomputes the score with
 * @verinet/protocol (pHash per image, sha256 of the text). Throws RelayError naming the first problem.
 *
 * @example
 * const score = await checkResultFiles({ taskType: 'sd', argsBytes, names: ['0.png'], read });
 */
export async function checkResultFiles(parameters: CheckResultFilesParameters): Promise<Hex> {
  const { taskType, argsBytes, read } = parameters;
  const names = [...parameters.names].sort();
  if (taskType === 'llm') {
    parseArgs(argsBytes, llmTaskArgsSchema);
    if (names.length !== 1 || names[0] !== 'result.json')
      throw new RelayError(
        'RESULT_FILES_MISMATCH',
        `An LLM result is exactly one file, result.json; uploaded: ${names.join(', ') || 'none'}.`,
      );
    const bytes = await read('result.json');
    let text: string;
    let value: unknown;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      value = JSON.parse(text);
    } catch {
      throw new RelayError('RESULT_TEXT_INVALID', 'result.json is not UTF-8 JSON.');
    }
    let canonical: string;
    try {
      canonical = canonicalizeJson(value);
    } catch {
      throw new RelayError('RESULT_TEXT_INVALID', 'result.json cannot be canonical JSON.');
    }
    if (canonical !== text)
      throw new RelayError(
        'RESULT_TEXT_INVALID',
        'result.json is not RFC 8785 canonical JSON (as the worker writes it).',
      );
    const shape = chatResultSchema.safeParse(value);
    if (!shape.success) {
      const issue = shape.error.issues[0];
      throw new RelayError(
        'RESULT_TEXT_INVALID',
        `result.json is not a chat result: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}.`,
      );
    }
    // getTextScore is sha256 of the bytes; node:crypto's native sha256 takes ≈ 1 ms per MB where the protocol's
    // portable one (@noble/hashes) takes 30-40: the same value (the tests compare it with getTextScore's).
    return `0x${createHash('sha256').update(bytes).digest('hex')}`;
  }
  if (taskType === 'sd') {
    const args = parseArgs(argsBytes, sdTaskArgsSchema);
    const { num_images: count } = args.task_config;
    // Sides left to the model's default: the first image fixes them for the others.
    let { image_width: width, image_height: height } = args.task_config;
    const expected = getImageNames(count).sort();
    if (names.length !== expected.length || names.some((n, i) => n !== expected[i]))
      throw new RelayError(
        'RESULT_FILES_MISMATCH',
        `The arguments ask for ${count} image(s) named ${getImageNames(count).join(', ')}; uploaded: ${names.join(', ') || 'none'}.`,
      );
    // Every header first: the decoded size is known before any decode, so a busy relay refuses for nothing.
    const files: { name: string; bytes: Uint8Array }[] = [];
    for (const name of getImageNames(count)) {
      const bytes = await read(name);
      ({ width, height } = checkPngHeader(name, bytes, width, height));
      files.push({ name, bytes });
    }
    const release = parameters.reserve?.(count * (width ?? 0) * (height ?? 0) * 3) ?? (() => {});
    try {
      const pixels: RawPixels[] = [];
      for (const { name, bytes } of files) {
        let decoded: RawPixels;
        try {
          decoded = await decodeImage({ bytes });
        } catch {
          throw new RelayError('RESULT_IMAGE_INVALID', `${name}: the PNG does not decode.`);
        }
        if (decoded.channels !== 3 || decoded.width !== width || decoded.height !== height)
          throw new RelayError('RESULT_IMAGE_INVALID', `${name}: does not decode to ${width}×${height} RGB.`);
        pixels.push(decoded);
      }
      if (!parameters.hashAll) return bytesToHex(await getImageScore(pixels));
      const hashes = await parameters.hashAll(pixels);
      const score = new Uint8Array(hashes.length * 8);
      for (const [index, hash] of hashes.entries()) score.set(hash, index * 8);
      return bytesToHex(score);
    } finally {
      release();
    }
  }
  throw new RelayError('RESULT_TYPE_UNSUPPORTED', `This relay does not check ${taskType} results.`);
}

/** True for an InvalidTaskArgsError of kind `invalid` (schema); `unsupported` arguments are still held. */
export function isInvalidArgs(error: unknown): error is InvalidTaskArgsError {
  return error instanceof InvalidTaskArgsError && error.kind === 'invalid';
}

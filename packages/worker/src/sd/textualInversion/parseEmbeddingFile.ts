import { getSafetensorsFloats, type SafetensorsFile } from '../safetensors/index.js';
import { SdTextualInversionError } from './errors.js';

/** A learned embedding: its trigger token and one vector per token it stands for. */
export type TextualInversionEmbedding = {
  embedding: string;
  file: string;
  /** The trigger word; a multi-vector embedding also adds `token_1` … `token_{n-1}` (diffusers' naming). */
  token: string;
  /** [vectors, hidden] values. */
  vectors: Float64Array;
  hidden: number;
  count: number;
};

/**
 * Reads a textual-inversion embedding from a safetensors file: the diffusers layout (a single tensor whose
 * key is the token) or the A1111 layout (`emb_params`, or `string_to_param.*`, token from the file name).
 * `token` (from the task) overrides the file's token, as diffusers' `load_textual_inversion(token=…)` does.
 *
 * @throws SdTextualInversionError naming the file's keys when the layout is unknown (e.g. SDXL's clip_l/clip_g).
 */
export function parseEmbeddingFile(
  file: SafetensorsFile,
  where: { embedding: string; file: string; token?: string | undefined },
): TextualInversionEmbedding {
  const fail = (reason: string): never => {
    throw new SdTextualInversionError({ embedding: where.embedding, file: where.file, reason });
  };
  const keys = [...file.tensors.keys()];
  let key: string;
  let fileToken: string;
  const a1111 = keys.filter((k) => k === 'emb_params' || k.startsWith('string_to_param.'));
  if (a1111.length === 1 && keys.length === 1) {
    key = a1111[0]!;
    fileToken = where.file.replace(/^.*\//, '').replace(/\.safetensors$/, '');
  } else if (keys.length === 1 && a1111.length === 0) {
    key = keys[0]!;
    fileToken = key;
  } else {
    return fail(
      keys.includes('clip_l') || keys.includes('clip_g')
        ? 'it is an SDXL embedding (clip_l/clip_g), which needs an SDXL model'
        : `expected one tensor (diffusers) or emb_params (A1111), found keys ${keys.map((k) => `"${k}"`).join(', ') || 'none'}`,
    );
  }
  const tensor = file.tensors.get(key)!;
  if (tensor.shape.length < 1 || tensor.shape.length > 2 || tensor.shape.some((d) => d < 1))
    fail(`tensor "${key}" has shape [${tensor.shape}], expected [hidden] or [vectors, hidden]`);
  const hidden = tensor.shape[tensor.shape.length - 1]!;
  const count = tensor.shape.length === 2 ? tensor.shape[0]! : 1;
  if (count > 75) fail(`${count} vectors do not fit in a 77-token prompt`);
  const token = where.token ?? fileToken;
  if (!/^\S+$/.test(token) || token.length > 100) fail(`token "${token}" must be 1–100 non-space characters`);
  return {
    embedding: where.embedding,
    file: where.file,
    token,
    vectors: getSafetensorsFloats(tensor, where.file),
    hidden,
    count,
  };
}

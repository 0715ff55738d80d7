import { createRandomStream } from '../../random/index.js';
import { writeSafetensors } from '../safetensors/index.js';

/** Seeded random vectors [count, hidden] for a tiny embedding. */
export function createTinyEmbeddingVectors(seed: number, count: number, hidden = 32): Float32Array {
  const random = createRandomStream({ seed, stream: 9 });
  return Float32Array.from({ length: count * hidden }, () => random.nextSignedUnit());
}

/** A textual-inversion file in diffusers' layout: one tensor named after its token, [hidden] for one vector. */
export function encodeDiffusersEmbedding(
  token: string,
  vectors: Float32Array,
  count = 1,
  hidden = 32,
): Uint8Array {
  return writeSafetensors({ [token]: { shape: count === 1 ? [hidden] : [count, hidden], values: vectors } });
}

/** A textual-inversion file in A1111's safetensors layout: `emb_params` [count, hidden]. */
export function encodeA1111Embedding(vectors: Float32Array, count: number, hidden = 32): Uint8Array {
  return writeSafetensors({ emb_params: { shape: [count, hidden], values: vectors } });
}

/** A float32 tensor to write. */
export type SafetensorsInput = { shape: readonly number[]; values: Float32Array | readonly number[] };

/**
 * Serializes float32 tensors as a safetensors file (header padded with spaces to 8 bytes, tensors in the
 * given order). Used to write adapter files in tests and fixtures.
 *
 * @example
 * const bytes = writeSafetensors({ 'emb_params': { shape: [1, 32], values } }, { format: 'pt' });
 */
export function writeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, values }] of Object.entries(tensors)) {
    const count = shape.reduce((p, d) => p * d, 1);
    if (count !== values.length)
      throw new RangeError(`tensor ${name}: shape needs ${count} values, got ${values.length}`);
    header[name] = { dtype: 'F32', shape: [...shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // The format pads the header with spaces so that the data starts 8-byte aligned.
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const { values } of Object.values(tensors)) {
    for (const value of values) {
      view.setFloat32(cursor, value, true);
      cursor += 4;
    }
  }
  return out;
}

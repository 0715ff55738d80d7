import { SafetensorsFormatError } from './errors.js';

/** Element types this reader decodes (the float types adapters ship in, and integer types for completeness). */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const byteWidths: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export type SafetensorsTensor = {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw little-endian bytes (a view into the file). */
  bytes: Uint8Array;
};

export type SafetensorsFile = {
  /** Tensors in header order. */
  tensors: Map<string, SafetensorsTensor>;
  /** The optional `__metadata__` string map. */
  metadata: Record<string, string>;
};

/** A header larger than this is refused before parsing (real adapter headers are well under 1 MB). */
export const maxSafetensorsHeaderBytes = 100 * 1024 * 1024;

/**
 * Parses a safetensors file held in memory, checking everything the format requires: header length within
 * the file, a JSON object header, known dtypes, non-negative integer shapes, byte ranges that match
 * dtype × shape, stay inside the data section and cover it contiguously without overlap.
 *
 * @throws SafetensorsFormatError naming the file and the offending entry.
 * @example
 * const { tensors } = readSafetensors(await readFile('lora.safetensors'), 'lora.safetensors');
 */
export function readSafetensors(buffer: Uint8Array, file: string): SafetensorsFile {
  const fail = (reason: string): never => {
    throw new SafetensorsFormatError({ file, reason });
  };
  if (buffer.length < 8) fail(`${buffer.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(maxSafetensorsHeaderBytes, buffer.length - 8)))
    fail(`header length ${headerLength} exceeds the file (${buffer.length} bytes) or the 100 MiB limit`);
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(8, headerEnd)));
  } catch (error) {
    fail(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header is not a JSON object');
  const data = buffer.subarray(headerEnd);
  const metadata: Record<string, string> = {};
  const entries: SafetensorsTensor[] = [];
  const ranges: [number, number, string][] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        fail('__metadata__ is not an object');
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== 'string') fail(`__metadata__.${key} is not a string`);
        metadata[key] = text as string;
      }
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof entry !== 'object' || entry === null) fail(`tensor "${name}" is not an object`);
    const dtype = entry.dtype as SafetensorsDtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(byteWidths, dtype))
      fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(entry.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail(`tensor "${name}" has a malformed shape ${JSON.stringify(shape)}`);
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    )
      fail(`tensor "${name}" has malformed data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    if (end - begin !== count * byteWidths[dtype])
      fail(
        `tensor "${name}" spans ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${count * byteWidths[dtype]}`,
      );
    if (end > data.length)
      fail(`tensor "${name}" ends at byte ${end}, past the data section (${data.length} bytes)`);
    ranges.push([begin, end, name]);
    entries.push({ name, dtype, shape: shape as number[], bytes: data.subarray(begin, end) });
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== cursor)
      fail(
        begin < cursor ? `tensor "${name}" overlaps the previous one` : `a hole precedes tensor "${name}"`,
      );
    cursor = end;
  }
  if (cursor !== data.length) fail(`${data.length - cursor} bytes after the last tensor`);
  return { tensors: new Map(entries.map((e) => [e.name, e])), metadata };
}

/** IEEE 754 binary16 bits to a number (exact). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/**
 * A floating-point tensor's values as float64 (exact for F16, BF16, F32 and F64).
 *
 * @throws SafetensorsFormatError for a non-float dtype or a value that is not finite.
 */
export function getSafetensorsFloats(tensor: SafetensorsTensor, file: string): Float64Array {
  const { bytes, dtype } = tensor;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / byteWidths[dtype];
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F64':
        values[i] = view.getFloat64(i * 8, true);
        break;
      case 'F32':
        values[i] = view.getFloat32(i * 4, true);
        break;
      case 'F16':
        values[i] = halfToNumber(view.getUint16(i * 2, true));
        break;
      case 'BF16':
        values[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!;
        break;
      default:
        throw new SafetensorsFormatError({
          file,
          reason: `tensor "${tensor.name}" is ${dtype}, expected a float type`,
        });
    }
    if (!Number.isFinite(values[i]))
      throw new SafetensorsFormatError({
        file,
        reason: `tensor "${tensor.name}" holds a non-finite value at index ${i}`,
      });
  }
  return values;
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSafetensorsFloats, readSafetensors, SafetensorsFormatError, writeSafetensors } from './index.js';

/** Builds a file from a raw header object and data bytes, to write malformed files on purpose. */
function rawFile(header: unknown, data: number[] | Uint8Array, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('readSafetensors', () => {
  it('reads what writeSafetensors writes (names, shapes, values, metadata, 8-byte aligned data)', () => {
    const bytes = writeSafetensors(
      { 'a.weight': { shape: [2, 3], values: [1, -2, 0.5, 3, 4, 5] }, 'b.é': { shape: [], values: [7] } },
      { format: 'pt' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + headerLength) % 8, 0);
    const file = readSafetensors(bytes, 't.safetensors');
    assert.deepEqual(file.metadata, { format: 'pt' });
    assert.deepEqual([...file.tensors.keys()], ['a.weight', 'b.é']);
    const a = file.tensors.get('a.weight')!;
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(Array.from(getSafetensorsFloats(a, 't')), [1, -2, 0.5, 3, 4, 5]);
    assert.deepEqual(Array.from(getSafetensorsFloats(file.tensors.get('b.é')!, 't')), [7]);
  });

  it('decodes F16 and BF16 exactly (known bit patterns)', () => {
    // F16: 1, -2, 2^-24 (smallest subnormal), 65504 (largest finite); BF16: 1, -0.5
    const f16 = [0x3c00, 0xc000, 0x0001, 0x7bff];
    const bf16 = [0x3f80, 0xbf00];
    const data = new Uint8Array(12);
    const view = new DataView(data.buffer);
    for (const [i, bits] of [...f16, ...bf16].entries()) view.setUint16(2 * i, bits, true);
    const file = readSafetensors(
      rawFile(
        {
          h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        },
        data,
      ),
      'x',
    );
    assert.deepEqual(Array.from(getSafetensorsFloats(file.tensors.get('h')!, 'x')), [1, -2, 2 ** -24, 65504]);
    assert.deepEqual(Array.from(getSafetensorsFloats(file.tensors.get('b')!, 'x')), [1, -0.5]);
  });

  const malformed: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), /shorter than the 8-byte/],
    ['a header length past the file', rawFile({}, [], 1000n), /header length 1000 exceeds/],
    ['a header that is not JSON', rawFile('{nope', []), /not UTF-8 JSON/],
    ['a header that is an array', rawFile('[]', []), /not a JSON object/],
    [
      'an unknown dtype',
      rawFile({ t: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, [0]),
      /unsupported dtype "F8"/,
    ],
    [
      'a negative dimension',
      rawFile({ t: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, [0]),
      /malformed shape/,
    ],
    [
      'a size mismatch',
      rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /needs 8/,
    ],
    [
      'a range past the data',
      rawFile({ t: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, [0]),
      /past the data section/,
    ],
    [
      'overlapping tensors',
      rawFile(
        {
          a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
          b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] },
        },
        [0, 0, 0],
      ),
      /"b" overlaps/,
    ],
    [
      'a hole',
      rawFile({ t: { dtype: 'U8', shape: [1], data_offsets: [1, 2] } }, [0, 0]),
      /hole precedes tensor "t"/,
    ],
    [
      'trailing bytes',
      rawFile({ t: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, [0, 0]),
      /1 bytes after/,
    ],
    ['non-string metadata', rawFile({ __metadata__: { a: 1 } }, []), /__metadata__.a is not a string/],
  ];
  for (const [what, bytes, pattern] of malformed) {
    it(`refuses ${what} by name`, () => {
      assert.throws(
        () => readSafetensors(bytes, 'bad.safetensors'),
        (error: unknown) =>
          error instanceof SafetensorsFormatError &&
          /bad\.safetensors/.test(error.message) &&
          pattern.test(error.message),
      );
    });
  }

  it('refuses to read integer tensors as floats and non-finite values', () => {
    const ints = readSafetensors(rawFile({ t: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, [1]), 'i');
    assert.throws(() => getSafetensorsFloats(ints.tensors.get('t')!, 'i'), /is I8, expected a float type/);
    const nan = readSafetensors(writeSafetensors({ t: { shape: [2], values: [1, Number.NaN] } }), 'n');
    assert.throws(() => getSafetensorsFloats(nan.tensors.get('t')!, 'n'), /non-finite value at index 1/);
  });
});

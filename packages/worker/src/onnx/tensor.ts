import { type OnnxProto, onnx } from './proto.js';

/** Element types the builder writes. Names follow onnxruntime's tensor type names. */
export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

/** Typed-array data accepted per element type (float16 takes raw uint16 bit patterns). */
export type TensorData =
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | readonly number[];

const dataTypes: Record<ElementType, OnnxProto.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

const byteWidths: Record<ElementType, number> = {
  float32: 4,
  float16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

/** The ONNX DataType enum value for an element type. */
export function toOnnxDataType(type: ElementType): OnnxProto.TensorProto.DataType {
  return dataTypes[type];
}

/** Number of elements of a tensor with static dims. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, d) => product * d, 1);
}

/**
 * Encodes tensor values as ONNX raw_data: little-endian regardless of the host, as the ONNX spec requires.
 *
 * @example
 * encodeRawData('int64', [1, -1]); // 16 bytes
 */
export function encodeRawData(type: ElementType, values: TensorData): Uint8Array {
  const width = byteWidths[type];
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    switch (type) {
      case 'float32':
        view.setFloat32(i * 4, Number(value), true);
        break;
      case 'float16':
      case 'int32':
        if (type === 'float16') view.setUint16(i * 2, Number(value), true);
        else view.setInt32(i * 4, Number(value), true);
        break;
      case 'int64':
        view.setBigInt64(i * 8, typeof value === 'bigint' ? value : BigInt(value), true);
        break;
      default:
        view.setUint8(i, Number(value));
    }
  }
  return bytes;
}

/** Builds a TensorProto (used for initializers and tensor attributes). */
export function createTensorProto(
  name: string,
  type: ElementType,
  dims: readonly number[],
  values: TensorData,
): OnnxProto.TensorProto {
  if (elementCount(dims) !== values.length)
    throw new RangeError(
      `tensor ${name}: dims [${dims.join(', ')}] need ${elementCount(dims)} values, got ${values.length}`,
    );
  return onnx.TensorProto.create({
    name,
    dataType: toOnnxDataType(type),
    dims: [...dims],
    rawData: encodeRawData(type, values),
  });
}

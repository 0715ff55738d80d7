import { type OnnxProto, onnx } from '../../onnx/proto.js';
import { SdWeightsMapError } from './errors.js';

/** A float32 initializer's dims and values, decoded from raw_data or float_data. */
export type FloatInitializer = { proto: OnnxProto.ITensorProto; dims: number[]; values: Float32Array };

/**
 * Finds a float32 initializer of a decoded model and reads its values.
 *
 * @throws SdWeightsMapError when it is missing, not float32, or stored as external data.
 */
export function readFloatInitializer(
  graph: OnnxProto.ModelProto,
  name: string,
  where: { model: string; file: string },
): FloatInitializer {
  const fail = (reason: string): never => {
    throw new SdWeightsMapError({ ...where, reason: `initializer "${name}" ${reason}` });
  };
  const proto = graph.graph?.initializer?.find((t) => t.name === name);
  if (!proto) return fail('does not exist');
  if (proto.dataType !== onnx.TensorProto.DataType.FLOAT) fail(`is data type ${proto.dataType}, not float32`);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (proto.externalData?.length ?? 0) > 0)
    fail('is stored as external data, which adapter merging does not read');
  const dims = (proto.dims ?? []).map(Number);
  const count = dims.reduce((p, d) => p * d, 1);
  let values: Float32Array;
  if (proto.rawData && proto.rawData.length > 0) {
    if (proto.rawData.length !== count * 4) fail(`has ${proto.rawData.length} raw bytes for ${count} values`);
    const view = new DataView(proto.rawData.buffer, proto.rawData.byteOffset, proto.rawData.byteLength);
    values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
  } else {
    values = Float32Array.from(proto.floatData ?? []);
    if (values.length !== count) fail(`has ${values.length} values for dims [${dims.join(', ')}]`);
  }
  return { proto, dims, values };
}

/** Replaces an initializer's dims and values (written back as little-endian raw_data). */
export function writeFloatInitializer(
  proto: OnnxProto.ITensorProto,
  dims: readonly number[],
  values: Float32Array,
): void {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  proto.dims = [...dims];
  proto.rawData = raw;
  proto.floatData = [];
}

/** Decodes serialized ONNX model bytes. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxProto.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** Serializes a decoded ONNX model. */
export function encodeOnnxModel(model: OnnxProto.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

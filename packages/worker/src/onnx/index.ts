/**
 * A small typed builder for ONNX models written in code (used for tiny random-weight test models).
 *
 * API:
 * - `createGraphBuilder({ name, opset = 17, irVersion = 8, seed = 0 })` returns a `GraphBuilder`:
 *   - `input(name, type, shape)` / `output(value, type, shape, name?)`: graph inputs and outputs; a shape
 *     mixes fixed sizes and symbolic names (`['batch', 77]`).
 *   - `initializer(name, type, dims, values)`, `int64s(values)`, `float32s(values, dims?)` for constants;
 *     `randomInitializer(name, dims, { scale, offset })` for float32 weights uniform in [offset - scale,
 *     offset + scale) drawn from the builder's seeded Philox stream (same seed, same order -> same bytes).
 *   - `op(opType, inputs, attributes?)` adds a one-output node and returns the output name;
 *     `node(opType, inputs, attributes?, { outputs })` for several outputs. `''` marks an omitted input.
 *     Attributes: integers -> INT, other numbers -> FLOAT, arrays -> INTS/FLOATS, strings -> STRING;
 *     `{ float: 1 }`, `{ floats: [...] }`, `{ tensor: {...} }` to be explicit.
 *   - `build()` (ModelProto) and `toBytes()` (serialized model for onnxruntime or a model.onnx file).
 * - Layers (`linear`, `layerNorm`, `conv2d`, `silu`, `gelu`, `attention`) compose common blocks with
 *   seeded weights named `<prefix>.<part>`.
 * - `createTensorProto`, `encodeRawData`: little-endian tensor encoding.
 *
 * @example
 * const g = createGraphBuilder({ name: 'mlp', seed: 7 });
 * const x = g.input('x', 'float32', ['batch', 8]);
 * g.output(gelu(g, linear(g, x, 'fc', 8, 4)), 'float32', ['batch', 4], 'y');
 * await writeFile('model.onnx', g.toBytes());
 */
export {
  type AttributeValue,
  type CreateGraphBuilderParameters,
  createGraphBuilder,
  type Dim,
  type FloatAttribute,
  type FloatsAttribute,
  type GraphBuilder,
  type NodeOptions,
  type RandomInitializerOptions,
  type TensorAttribute,
} from './graphBuilder.js';
export { type AttentionParameters, attention, conv2d, gelu, layerNorm, linear, silu } from './layers.js';
export {
  createTensorProto,
  type ElementType,
  elementCount,
  encodeRawData,
  type TensorData,
  toOnnxDataType,
} from './tensor.js';

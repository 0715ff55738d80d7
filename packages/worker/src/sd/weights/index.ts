/**
 * Where adapter weights go in a model's ONNX graphs: the `weights_map.json` convention (module path →
 * initializer and layout) and float32 initializer access for merging before session creation.
 */
export { SdWeightsMapError } from './errors.js';
export {
  decodeOnnxModel,
  encodeOnnxModel,
  type FloatInitializer,
  readFloatInitializer,
  writeFloatInitializer,
} from './initializers.js';
export {
  loadWeightsMap,
  type WeightLayout,
  type WeightsMap,
  type WeightsMapFile,
  type WeightTarget,
  weightsMapFileName,
  weightsMapFormat,
} from './weightsMap.js';

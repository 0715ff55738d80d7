/** A hand-written reader (and a float32 writer) for the safetensors format adapters ship in. */
export { SafetensorsFormatError } from './errors.js';
export {
  getSafetensorsFloats,
  maxSafetensorsHeaderBytes,
  readSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './readSafetensors.js';
export { type SafetensorsInput, writeSafetensors } from './writeSafetensors.js';

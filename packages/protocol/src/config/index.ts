export {
  type ConfigErrorFactory,
  type LoadConfigLayersParameters,
  loadConfigLayers,
  toConfigEnvName,
} from './loadConfigLayers.js';

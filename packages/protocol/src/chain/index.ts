export * from './abis.generated.js';
export * from './createFeeReader.js';
export * from './deployment.js';
export * from './getBatchingTransport.js';
export * from './getFixedGasLimit.js';
export * from './taskStates.js';

export * from './deployment.js';
export * from './abis.generated.js';

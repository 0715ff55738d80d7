export * from './fetchExchange.js';
export * from './getHttpPool.js';
export * from './poolExchange.js';
export * from './poolHttp.js';

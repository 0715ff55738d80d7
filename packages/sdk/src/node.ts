/** Node-only parts of the SDK (better-sqlite3, libsecp256k1, undici). Everything of '@verinet/sdk' is re-exported. */
export * from './index.js';
export { nativeCurve } from './nativeCurve.js';
export { nodeHttp } from './nodeHttp.js';
export { type CreateSqliteStoreParameters, createSqliteStore } from './store/createSqliteStore.js';

/** Node-only parts of the SDK (better-sqlite3). Everything of '@verinet/sdk' is re-exported. */
export * from './index.js';
export { type CreateSqliteStoreParameters, createSqliteStore } from './store/createSqliteStore.js';

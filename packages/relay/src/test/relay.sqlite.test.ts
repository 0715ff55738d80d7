import { describe } from 'node:test';
import { sqliteStorageFactory } from './relayHarness.js';
import { runRelaySuite } from './relaySuite.js';

describe('relay on SQLite + files (real anvil, real contracts)', { timeout: 300_000 }, () => {
  runRelaySuite(async () => sqliteStorageFactory());
});

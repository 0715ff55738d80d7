import { describe } from 'node:test';
import { postgresStorageFactory } from './relayHarness.js';
import { runRelaySuite } from './relaySuite.js';

describe('relay on PostgreSQL + S3 (real anvil, real contracts, real PostgreSQL, s3rver)', {
  timeout: 300_000,
}, () => {
  runRelaySuite(postgresStorageFactory);
});

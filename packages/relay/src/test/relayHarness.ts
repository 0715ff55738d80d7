import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Account, type Hex, hexToBytes, type LocalAccount, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { buildRelay } from '../app/buildRelay.js';
import type { RelayContext } from '../app/context.js';
import { createRelayContext } from '../app/createRelayContext.js';
import { createChainReader } from '../chain/createChainReader.js';
import { type RelayConfigInput, relayConfigSchema } from '../config/relayConfig.js';
import type { PHashPool } from '../results/createPHashPool.js';
import { createSqliteStorage } from '../storage/sqlite/createSqliteStorage.js';
import type { RelayStorage } from '../storage/types.js';
import type { ChainFixture } from './chainFixture.js';

/**
 * Limit of each relay suite test (node:test `timeout`, given to each `describe` and inherited by its tests): about
 * 15× the slowest test on a loaded 2-core CI machine and far below the file's 600 s, so a wait that never ends
 * fails as that test, by name, and the file goes on. The `describe` itself gets the same limit for all its tests.
 */
export const testTimeout = { timeout: 120_000 };

/** Limit of a suite's before/after hooks (anvil, deployment and 32 nodes joining; stopping them). */
export const hookTimeout = { timeout: 180_000 };

export type TestRelay = {
  app: FastifyInstance;
  context: RelayContext;
  relaySigner: LocalAccount;
  close: () => Promise<void>;
};

export type StorageFactory = {
  name: string;
  /**
   * A fresh storage (or, with `shared`, one more instance on the same database and bucket). PostgreSQL
   * instances share one database unless `isolated` (a database of their own: for tests that count rows).
   */
  create: (options?: { shared?: string; isolated?: boolean }) => Promise<RelayStorage>;
  /** Two storages over the same data, as two relay instances behind a load balancer have. */
  createShared: () => Promise<[RelayStorage, RelayStorage]>;
  cleanup: () => Promise<void>;
};

export function sqliteStorageFactory(): StorageFactory {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    async create(options = {}) {
      const dir = options.shared ?? (await mkdtemp(join(tmpdir(), 'relay-sqlite-')));
      dirs.push(dir);
      return createSqliteStorage({ dataDir: dir });
    },
    async createShared() {
      const dir = await mkdtemp(join(tmpdir(), 'relay-sqlite-'));
      dirs.push(dir);
      return [await createSqliteStorage({ dataDir: dir }), await createSqliteStorage({ dataDir: dir })];
    },
    async cleanup() {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function createTestRelay(
  fixture: ChainFixture,
  storage: RelayStorage,
  options: {
    config?: RelayConfigInput;
    now?: () => number;
    relayKey?: Hex;
    chainCacheMs?: number;
    pHashPool?: PHashPool;
  } = {},
): Promise<TestRelay> {
  const config = relayConfigSchema.parse({
    rpcUrl: fixture.anvil.rpcUrl,
    limits: { requestsPerMinute: 1_000_000 },
    ...options.config,
  });
  const chain = createChainReader({
    rpcUrl: fixture.anvil.rpcUrl,
    chainId: fixture.deployment.chainId,
    taskManager: fixture.deployment.contracts.taskManager,
    nodeRegistry: fixture.deployment.contracts.nodeRegistry,
    startBlock: BigInt(fixture.deployment.startBlock),
    cacheMs: options.chainCacheMs ?? 0,
    maxLogRange: BigInt(config.chain.maxLogRange),
  });
  const relaySigner = privateKeyToAccount(options.relayKey ?? generatePrivateKey());
  const context = createRelayContext({ config, storage, chain, signer: relaySigner, now: options.now });
  const app = await buildRelay({ context, pHashPool: options.pHashPool });
  await app.ready();
  return {
    app,
    context,
    relaySigner,
    close: async () => {
      await app.close();
      await storage.meta.close();
      await storage.objects.close();
    },
  };
}

export type SignedRequestOptions = {
  body?: Uint8Array | string | object | undefined;
  contentType?: string | undefined;
  /** Sign another method, path, body hash, time, chain or address than the one sent. */
  sign?: Partial<{
    method: string;
    path: string;
    bodyHash: Hex;
    timestamp: bigint;
    chainId: number;
    nonce: Hex;
  }>;
  headers?: Record<string, string | undefined>;
  claimAddress?: string;
  unsigned?: boolean;
};

/**
 * A client written with plain viem `signTypedData` and the documented header names (docs/relay-api.md),
 * deliberately not using @verinet/protocol/relay: the test proves any client can implement the scheme.
 */
export function createTestClient(relay: TestRelay) {
  const { domain } = relay.context;
  return async function request(
    account: Account | undefined,
    method: string,
    path: string,
    options: SignedRequestOptions = {},
  ): Promise<LightMyRequestResponse> {
    let payload: Buffer | undefined;
    let contentType = options.contentType;
    if (options.body instanceof Uint8Array) {
      payload = Buffer.from(options.body);
      contentType ??= 'application/octet-stream';
    } else if (typeof options.body === 'string') {
      payload = Buffer.from(options.body);
      contentType ??= 'application/json';
    } else if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      contentType ??= 'application/json';
    }
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    if (account && !options.unsigned) {
      const bodyHash = toHex(sha256(payload ?? new Uint8Array()));
      const timestamp = BigInt(Math.floor(Date.now() / 1000));
      const nonce = toHex(crypto.getRandomValues(new Uint8Array(32)));
      const message = {
        method: method.toUpperCase(),
        path,
        bodyHash,
        timestamp,
        nonce,
        ...options.sign,
      };
      const signature = await (account as LocalAccount).signTypedData({
        domain: { ...domain, chainId: options.sign?.chainId ?? domain.chainId },
        types: {
          RelayRequest: [
            { name: 'method', type: 'string' },
            { name: 'path', type: 'string' },
            { name: 'bodyHash', type: 'bytes32' },
            { name: 'timestamp', type: 'uint64' },
            { name: 'nonce', type: 'bytes32' },
          ],
        },
        primaryType: 'RelayRequest',
        message,
      });
      headers['x-verinet-address'] = options.claimAddress ?? account.address;
      headers['x-verinet-timestamp'] = message.timestamp.toString();
      headers['x-verinet-nonce'] = message.nonce;
      headers['x-verinet-body-hash'] = message.bodyHash;
      headers['x-verinet-signature'] = signature;
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    return relay.app.inject({ method: method as 'GET', url: path, headers, ...(payload ? { payload } : {}) });
  };
}

export type RelayRequest = ReturnType<typeof createTestClient>;

export function errorCode(response: LightMyRequestResponse): string | undefined {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

export const bytes = (hex: Hex) => hexToBytes(hex);

/**
 * PostgreSQL (a throwaway cluster) + S3 (s3rver), or undefined with the reason printed when PostgreSQL is not
 * installed. `create({ shared: 'x' })` opens another instance on the same database and bucket.
 */
export async function postgresStorageFactory(): Promise<StorageFactory | undefined> {
  const { findPostgresBin, startPostgres } = await import('./startPostgres.js');
  if (!findPostgresBin()) {
    console.log('# SKIP relay PostgreSQL suite: PostgreSQL is not installed (apt-get install -y postgresql)');
    return undefined;
  }
  const { startS3 } = await import('./startS3.js');
  const { createPostgresStorage } = await import('../storage/postgres/createPostgresStorage.js');
  const postgres = await startPostgres();
  const s3 = await startS3();
  const opened: RelayStorage[] = [];
  let counter = 0;
  const factory: StorageFactory = {
    name: 'postgres',
    async create(options = {}) {
      // One database for the process; rows are keyed by random task keys and commitments, so instances only
      // meet where a test makes them share (same bucket).
      const bucket = options.shared ?? `relay-${++counter}`;
      let postgresUrl = postgres.url;
      if (options.isolated) {
        const pg = (await import('pg')).default;
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        const name = `relay_isolated_${counter}`;
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        postgresUrl = postgres.url.replace(/\/relay$/, `/${name}`);
      }
      const storage = await createPostgresStorage({
        postgresUrl,
        s3: {
          endpoint: s3.endpoint,
          bucket,
          region: 'us-east-1',
          accessKeyId: 'S3RVER',
          secretAccessKey: 'S3RVER',
          forcePathStyle: true,
        },
      });
      opened.push(storage);
      return storage;
    },
    async createShared() {
      const shared = `relay-shared-${++counter}`;
      return [await factory.create({ shared }), await factory.create({ shared })];
    },
    async cleanup() {
      for (const storage of opened) await storage.meta.close().catch(() => {});
      await s3.stop();
      await postgres.stop();
    },
  };
  return factory;
}

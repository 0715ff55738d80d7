import { z } from 'zod';

const positiveInt = z.int().positive();
const wei = z
  .union([z.string().regex(/^\d{1,30}$/, 'expected a whole number of wei'), z.int().min(0)])
  .transform((value) => BigInt(value));

/** One model the bridge offers: the OpenAI `model` name, the task type, and the hub id put in task arguments. */
export const bridgeModelSchema = z.strictObject({
  id: z.string().min(1).max(200),
  type: z.enum(['sd', 'llm']),
  /** The hub id written in the task arguments (`base_model` / `model`); defaults to `id`. */
  taskModel: z.string().min(1).optional(),
});
export type BridgeModel = z.output<typeof bridgeModelSchema>;

/** Every option has a safe default; see docs/bridge.md ("Configuration"). */
export const bridgeConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(7080),
  /** The URL clients reach the bridge at (image `url`s are built on it); defaults to the listening address. */
  publicUrl: z.string().url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  rpcUrl: z.string().url().default('http://127.0.0.1:8545'),
  relayUrl: z.string().url().default('http://127.0.0.1:7070'),
  /** How often the SDK polls the chain and the relay while a job runs. */
  pollIntervalMs: z.int().min(20).max(60_000).default(1000),
  /** The explorer indexer's URL, proxied at /explorer (none when absent). */
  explorerUrl: z.string().url().optional(),
  deploymentFile: z.string().min(1).default('.verinet/devnet/deployment.json'),
  /**
   * A local copy of the models (the nodes' model store, as `verinet model import` writes it): chat prompts are
   * counted with the model's tokenizer and one that does not fit the context is refused before it is paid for.
   * None: prompts go unchecked (a node refuses an over-long one after the fee is locked; it is refunded).
   */
  modelsDir: z.string().min(1).optional(),
  /** Keystore v3 file of the wallet that pays; its password from VERINET_BRIDGE_PASSWORD. */
  keystoreFile: z.string().min(1).default('.verinet/bridge/keystore.json'),
  /** Folder of the built web UI served at `/` (none when absent). */
  webDir: z.string().min(1).optional(),
  /**
   * This bridge's name among those sharing a PostgreSQL store, unique to it: a bridge restarted under the same
   * name takes its running jobs back at once instead of waiting for their leases to run out. None: a new name per
   * start (safe; a restart waits up to limits.jobLeaseSeconds × 1.5).
   */
  instanceId: z.string().min(1).max(200).optional(),
  store: z
    .strictObject({
      kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
      /** sqlite: the database file. */
      sqlitePath: z.string().min(1).default('.verinet/bridge/bridge.db'),
      postgresUrl: z.string().min(1).optional(),
    })
    .prefault({}),
  models: z.array(bridgeModelSchema).max(1000).default([]),
  /**
   * Fee paid per on-chain task, in wei (a sampled task pays it three times; two are refunded). Unset: the
   * SDK's default-fee rule, the chain's going price clamped to [minFee, 10 × minFee] (jobs/createFeeSource.ts).
   */
  fees: z.strictObject({ sd: wei.optional(), llm: wei.optional() }).prefault({}),
  /** Limits of a new API key unless `keys create` says otherwise. */
  keyDefaults: z
    .strictObject({
      requestsPerMinute: positiveInt.max(1_000_000).default(60),
      /** Total fees a key may spend, in wei; none: unlimited. */
      spendLimitWei: wei.optional(),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Request bodies; the relay takes task arguments up to 4 MiB (its limits.argsBytes), so no more here. */
      jsonBodyBytes: positiveInt.max(64 << 20).default(4 << 20),
      /** Canonical task arguments of one job: the relay's limits.argsBytes (larger ones it would refuse). */
      argsBytes: positiveInt.max(16 << 20).default(4 << 20),
      /** Jobs one API key may have queued or running at once (each holds store rows and runner work). */
      unfinishedJobsPerKey: positiveInt.max(100_000).default(32),
      /**
       * Followers of one job at once (event streams, and OpenAI requests waiting for it: retries with one
       * Idempotency-Key wait for the same job), and of one API key.
       */
      followersPerJob: positiveInt.max(1000).default(4),
      followersPerKey: positiveInt.max(100_000).default(64),
      /**
       * How long a bridge holds a job it runs without renewing it (renewed every third of it): bridges sharing a
       * PostgreSQL store take over a dead bridge's jobs this long after it died (and within half of it more).
       */
      jobLeaseSeconds: positiveInt.min(3).max(3600).default(30),
      /** How long an OpenAI request waits for its job before answering `timeout` (the job keeps running). */
      waitSeconds: positiveInt.max(3600).default(600),
      /** Jobs run at once (each holds the wallet's nonce only while it sends). */
      concurrentJobs: positiveInt.max(1000).default(16),
      /** Lifetime of signed image URLs. */
      imageUrlSeconds: positiveInt.max(7 * 24 * 3600).default(3600),
    })
    .prefault({}),
});

export type BridgeConfig = z.output<typeof bridgeConfigSchema>;
export type BridgeConfigInput = z.input<typeof bridgeConfigSchema>;

import { z } from 'zod';

const positiveInt = z.int().positive();

/** Every option has a safe default; see docs/relay-api.md ("Configuration"). */
export const relayConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(7070),
  /**
   * Behind a reverse proxy: trust its X-Forwarded-For (true, a hop count, or comma-separated addresses/CIDRs,
   * as Fastify's `trustProxy`), so per-IP limits see clients, not the proxy.
   */
  trustProxy: z.union([z.boolean(), z.int().min(1).max(10), z.string().min(1)]).default(false),
  /**
   * Origins whose pages may call the relay from a browser (DApp mode: the web UI signs with a browser wallet and
   * talks to the relay directly). `*` (the default) is safe because the relay authorizes by signatures, never by
   * cookies or other ambient credentials; list origins (`https://app.example`) to narrow it, or `[]` for none.
   */
  cors: z
    .strictObject({
      origins: z.union([z.literal('*'), z.array(z.string().url())]).default('*'),
      /** Seconds browsers may cache a preflight answer. */
      maxAgeSeconds: z.int().min(0).max(86_400).default(600),
    })
    .prefault({}),
  /**
   * Relay processes serving the port (node:cluster): 1 (the default) or up to the machine's cores. They share
   * the storage, whose claims and transactions already serve several relay instances; see docs/relay-api.md.
   */
  workers: z.int().min(1).max(64).default(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** JSON-RPC endpoint of the chain. */
  rpcUrl: z.string().url().default('http://127.0.0.1:8545'),
  /** The deployment file `verinet deploy` wrote (chain id, TaskManager, start block). */
  deploymentFile: z.string().min(1).default('.verinet/devnet/deployment.json'),
  /** Keystore v3 file of the relay key (signs statements); its password from VERINET_RELAY_PASSWORD. */
  keystoreFile: z.string().min(1).default('.verinet/relay/keystore.json'),
  storage: z
    .strictObject({
      kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
      /** sqlite: metadata database and object files. */
      dataDir: z.string().min(1).default('.verinet/relay/data'),
      /** postgres: connection string. */
      postgresUrl: z.string().min(1).optional(),
      s3Endpoint: z.string().url().optional(),
      s3Bucket: z.string().min(1).default('verinet-relay'),
      s3Region: z.string().min(1).default('us-east-1'),
      s3AccessKeyId: z.string().min(1).optional(),
      s3SecretAccessKey: z.string().min(1).optional(),
      s3ForcePathStyle: z.boolean().default(true),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Seconds a signature stays valid (also how long its digest is remembered against replays). */
      maxAgeSeconds: z.int().min(5).max(3600).default(60),
      /** Clock skew allowed for timestamps in the future. */
      maxFutureSeconds: z.int().min(0).max(300).default(10),
    })
    .prefault({}),
  limits: z
    .strictObject({
      jsonBodyBytes: positiveInt.max(1 << 20).default(64 * 1024),
      argsBytes: positiveInt.max(16 << 20).default(4 * 1024 * 1024),
      resultFileBytes: positiveInt.max(1 << 30).default(64 * 1024 * 1024),
      resultFiles: z.int().min(1).max(64).default(64),
      /** Requests per address (or IP when unauthenticated) per minute. */
      requestsPerMinute: positiveInt.default(1200),
      /** Argument uploads one address may hold without a task on chain. */
      pendingArgsPerCreator: positiveInt.default(256),
      /** Bytes of argument uploads one address may hold without a task on chain. */
      pendingArgsBytesPerCreator: positiveInt.default(64 * 1024 * 1024),
      /** Bytes of argument uploads all addresses together may hold without a task (bounds the disk). */
      pendingArgsBytesTotal: positiveInt.default(4 * 1024 * 1024 * 1024),
      /** Pending uploads of an address the relay has seen no task of (fresh keys are free). */
      pendingArgsPerNewCreator: positiveInt.default(16),
      /** Pending bytes of an address the relay has seen no task of. */
      pendingArgsBytesPerNewCreator: positiveInt.default(8 * 1024 * 1024),
      /** Pending bytes all addresses without a known task may hold together (what fresh keys can fill). */
      pendingArgsBytesNewCreators: positiveInt.default(256 * 1024 * 1024),
    })
    .prefault({}),
  chain: z
    .strictObject({
      cacheMs: z.int().min(0).max(60_000).default(1000),
      retryAfterSeconds: z.int().min(1).max(600).default(2),
      /** Largest block range of one eth_getLogs request (providers cap it; 10,000 or less is common). */
      maxLogRange: z.int().min(1).max(1_000_000).default(5000),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Data of a task is deleted this long after the relay saw it terminal. */
      terminalSeconds: z
        .int()
        .min(0)
        .default(7 * 24 * 3600),
      /** ArgsAvailable statements expire this long after the upload. */
      argsExpirySeconds: z
        .int()
        .min(60)
        .max(7 * 24 * 3600)
        .default(3600),
      /** Pre-task uploads without a task are kept this long past their expiry. */
      graceSeconds: z.int().min(0).default(600),
      intervalSeconds: z.int().min(1).default(60),
    })
    .prefault({}),
});

export type RelayConfig = z.output<typeof relayConfigSchema>;
export type RelayConfigInput = z.input<typeof relayConfigSchema>;

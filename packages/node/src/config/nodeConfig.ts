import { isAddress } from 'viem';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const nonNegativeInt = z.coerce.number().int().min(0);
const positiveInt = z.coerce.number().int().min(1);

/**
 * The node's configuration: a JSON file plus environment overrides (`VERINET_NODE_<PATH>`, e.g.
 * `VERINET_NODE_RPC_URL`, `VERINET_NODE_API_PORT`). Every option has a safe default except the keystore.
 */
export const nodeConfigSchema = z.strictObject({
  /** The chain's JSON-RPC endpoint. */
  rpcUrl: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8545'),
  /** The deployment file written by `verinet deploy` / `verinet devnet`. */
  deployment: z.string().min(1).default('.verinet/devnet/deployment.json'),
  /** Web3 Secret Storage v3 keystore of the node's key. */
  keystore: z.string().min(1).optional(),
  /** File holding the keystore password (else VERINET_KEYSTORE_PASSWORD, else a prompt). */
  passwordFile: z.string().min(1).optional(),
  /** Address that receives the node's earnings (default: the node's own address). */
  beneficiary: z
    .string()
    .refine((v) => isAddress(v, { strict: false }), 'expected a 0x address')
    .optional(),
  /** SQLite store, task arguments and results. */
  dataDir: z.string().min(1).default('.verinet/node'),
  modelsDir: z.string().min(1).default('.verinet/models'),
  /**
   * Where missing models are fetched from: an http(s) model server or a local folder, with one
   * `<owner--name>/` folder per model (its verinet-model.json gives each file's size and sha256).
   */
  modelSource: z
    .string()
    .min(1)
    .refine(
      (v) => /^https?:\/\//i.test(v) || !/^[a-z][a-z0-9+.-]*:/i.test(v),
      'expected an http(s) URL or a folder path',
    )
    .optional(),
  /** Models the node announces (hub ids, e.g. verinet/tiny-gpt2): fetched at start when missing. */
  models: z.array(z.string().min(1)).max(8).default([]),
  relayUrl: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8600'),
  /** Blocks a block must be below the head before its events count (0 for an instant-mining devnet). */
  confirmations: nonNegativeInt.max(1000).default(2),
  pollIntervalMs: positiveInt.max(600_000).default(1_000),
  reorgDepth: positiveInt.max(10_000).default(64),
  /**
   * Draw settlement (F1): while this node can be drawn it settles a waiting draw itself after a random wait
   * below `settleDelayMs` (unless someone settled meanwhile); otherwise after `settleBackstopMs`.
   */
  settleDelayMs: nonNegativeInt.max(600_000).default(5_000),
  settleBackstopMs: nonNegativeInt.max(3_600_000).default(60_000),
  /**
   * Fixed gas limits (getFixedGasLimit, pre-checked by eth_call) instead of eth_estimateGas for the node's
   * TaskManager calls: `auto` = on for chain id 31337 only (the devnet's anvil). `off` for a chain with that id whose
   * gas is not plain EVM gas or whose base fee makes a ≈ 4.4M limit more than the node's balance covers (a hardhat
   * mainnet fork): the balance must cover limit × max fee.
   */
  fixedGas: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Gas cap of one settlement transaction (up to 64 draws, each a node selection). */
  settleMaxGas: z.coerce.number().int().min(100_000).max(30_000_000).default(8_000_000),
  /** F6: the least fee (wei, rounded up to whole gwei on chain) a task must pay to be drawn on this node; set on chain at start when it differs. */
  priceFloorWei: z
    .string()
    .regex(/^\d+$/, 'expected an integer amount in wei')
    // NodeRegistry stores floors in whole gwei, at most 2^32-1 gwei (setPriceFloor reverts above).
    .refine((v) => BigInt(v) <= (2n ** 32n - 1n) * 10n ** 9n, 'at most (2^32-1) gwei (about 4.29 ETH)')
    .optional(),
  /** Stop executing this many seconds before the on-chain deadline (upload and report need time). */
  deadlineMarginSec: nonNegativeInt.max(3_600).default(30),
  followIntervalMs: positiveInt.max(3_600_000).default(30_000),
  /** GPU as registered on chain; detected with nvidia-smi when absent. */
  gpuName: z.string().min(1).max(64).optional(),
  vramGib: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Task argument version the node registers (default: the newest its worker implements). */
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'expected MAJOR.MINOR.PATCH')
    .optional(),
  api: z
    .strictObject({
      host: z.enum(['127.0.0.1', '::1', 'localhost']).default('127.0.0.1'),
      port: port.default(8700),
    })
    .prefault({}),
  worker: z
    .strictObject({
      threads: positiveInt.max(256).default(1),
      maxRssMb: positiveInt.optional(),
      handshakeTimeoutMs: positiveInt.default(60_000),
      /** A worker silent this long during a task (no progress, no answer) is deemed hung and killed. */
      stallTimeoutMs: positiveInt.min(1_000).default(300_000),
    })
    .prefault({}),
  /** Withdraw earnings owed by the TaskManager on this schedule when at least `minWei` is owed (0 = never). */
  withdrawIntervalMs: nonNegativeInt.default(3_600_000),
  withdrawMinWei: z.string().regex(/^\d+$/, 'expected an integer amount in wei').default('10000000000000000'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

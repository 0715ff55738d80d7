import type { HttpTransportFactory } from '@verinet/protocol/chain/getBatchingTransport';
import type { HttpExchange } from '@verinet/protocol/http/fetchExchange';
import type { RawPixels } from '@verinet/protocol/score/browser';
import type { VrfCurve } from '@verinet/protocol/vrf';
import type { Address, Hex, LocalAccount, Transport, WalletClient } from 'viem';
import type { VerinetError } from './errors/index.js';
import type { TaskStore } from './store/types.js';

/** Where the contracts live: chain id, RPC URL, the TaskManager and NodeRegistry addresses. */
export type VerinetChain = {
  id: number;
  rpcUrl: string;
  /**
   * A WebSocket endpoint of the same chain (e.g. `ws://127.0.0.1:8545` for anvil): waits then wake on the waited
   * tasks' own events (`eth_subscribe` logs) and poll only every few seconds as a fallback, instead of reading the
   * chain every `pollIntervalMs`. State is still read over `rpcUrl`.
   */
  wsUrl?: string | undefined;
  /** Block of the deployment: event scans (GPU discovery) start here. */
  startBlock?: number | undefined;
  /**
   * Send TaskManager calls with a fixed gas limit (their own bounded gas plus every draw they may settle,
   * `getFixedGasLimit` of `@verinet/protocol`) checked by one `eth_call` against the pending block, instead of
   * `eth_estimateGas` (which runs the call several times over): for chains whose gas is the EVM's execution gas
   * (no rollup L1 data fee) and where a limit of ≈ 4.4M reserves nothing others need. A transaction that runs out
   * of gas all the same is sent once more with an estimate. Default: true on chain id 31337 (anvil, hardhat: the
   * devnet), false elsewhere.
   */
  fixedGas?: boolean | undefined;
  contracts: { taskManager: Address; nodeRegistry: Address };
};

/**
 * Who pays and signs: a private key (also the VRF key), a viem local account, or an EIP-1193 browser wallet
 * (a viem WalletClient with its account set).
 */
export type VerinetAccount = Hex | LocalAccount | { walletClient: WalletClient };

/** Decodes one result image (a PNG) to 8-bit pixels; inject createImageBitmap/canvas or sharp if wanted. */
export type DecodeImage = (png: Uint8Array, index: number) => Promise<RawPixels>;

/** The task types the SDK runs (fine-tuning is not offered yet). */
export type SdkTaskType = 'sd' | 'llm';

/** What a node must offer (the contract's requirements besides the models). */
export type TaskRequirements = {
  /** GPU name; required for LLM tasks (exact-match results), forbidden for image tasks. Null: any. */
  gpu: string | null;
  /** Minimum VRAM in GiB. */
  minVram: number;
  /** Worker argument version, `major.minor.patch`. */
  version: string;
};

export type TimeoutPolicy = 'resubmit' | 'abort' | 'wait';

/**
 * The app's secp256k1 work done elsewhere than in viem's and noble's JavaScript: `nativeCurve` from
 * '@verinet/sdk/node' (libsecp256k1) for Node.js apps, where signing each transaction and relay request and proving
 * the VRF for each task was a third of a busy app's CPU. Same signatures and proofs, byte for byte.
 */
export type SdkCurve = {
  /** The local account of a private key given as `account` (default viem's `privateKeyToAccount`). */
  privateKeyToAccount?: ((privateKey: Hex) => LocalAccount) | undefined;
  /** The VRF prover's scalar multiplications (default noble's). */
  vrf?: VrfCurve | undefined;
};

/**
 * How the app's HTTP requests travel: `nodeHttp` from '@verinet/sdk/node' (keep-alive connection pools, Node.js
 * only) for Node.js apps, where each WHATWG fetch cost several times the CPU of the request it carried. Same
 * requests, timeouts and errors.
 */
export type SdkHttp = {
  /** The JSON-RPC transports of `chain.rpcUrl` (default viem's `http`). */
  createTransport: HttpTransportFactory;
  /** The relay's requests (default fetchExchange: WHATWG fetch). */
  exchange: HttpExchange;
};

export type CreateClientParameters = {
  chain: VerinetChain;
  relay: string | { url: string };
  account: VerinetAccount;
  /** Where tasks (and their secrets) are persisted; default: in memory (nothing survives a restart). */
  store?: TaskStore | undefined;
  /** Secret key of the app's VRF (secret sampling). See docs/sdk.md "Sampling key". */
  vrfKey?: Hex | undefined;
  /** Where signatures and VRF proofs are computed; default viem's and noble's JavaScript. See SdkCurve. */
  curve?: SdkCurve | undefined;
  /** How the chain's and the relay's HTTP requests are sent; default WHATWG fetch. See SdkHttp. */
  http?: SdkHttp | undefined;
  decodeImage?: DecodeImage | undefined;
  /**
   * Fee per on-chain task in wei; default: the chain's `goingPrice()` (what nodes recently worked for), or its
   * `minFee` when higher (a new chain's going price is 0). See docs/sdk.md "Fees".
   */
  fee?: bigint | undefined;
  /**
   * The most the default fee may be, in wei (tasks with an explicit `fee` ignore it); default 10 × `minFee`.
   * `goingPrice()` can be dragged up by an app that pays its own nodes (docs/protocol.md "Going price"), so the
   * SDK never follows it past this cap. See docs/sdk.md "Fees".
   */
  maxDefaultFee?: bigint | undefined;
  requirements?: Partial<TaskRequirements> | undefined;
  /** viem transport for chain reads and local-account writes; default `http(chain.rpcUrl)`. */
  transport?: Transport | undefined;
  pollIntervalMs?: number | undefined;
  retry?: { attempts?: number | undefined; baseDelayMs?: number | undefined } | undefined;
  onTimeout?: TimeoutPolicy | undefined;
  maxResubmits?: number | undefined;
  /**
   * Sampled tasks: how many group members in all may be replaced because they ran on a node already in the
   * group (each costs one more fee, paid to the node that ran the dropped member); default 4. Past it, the
   * members are validated alone (unchecked). See docs/sdk.md "Validation groups on small networks".
   */
  maxGroupReplacements?: number | undefined;
  /**
   * Checks a task's arguments against what the app knows of the network before anything is sent or paid
   * (e.g. an LLM prompt against the model's context length, which only a tokenizer can count). Called with the
   * arguments as a node parses them; throw (any Error) to refuse the task: the SDK throws
   * InvalidTaskArgumentsError with that message.
   */
  checkArgs?: CheckTaskArgs | undefined;
};

/** See `CreateClientParameters.checkArgs`. */
export type CheckTaskArgs = (task: {
  type: SdkTaskType;
  /** Parsed and defaulted by the protocol's schema (`LlmTaskArgs` / `SdTaskArgs`). */
  args: unknown;
}) => void | Promise<void>;

/** Options of one task run. */
export type RunOptions = {
  signal?: AbortSignal | undefined;
  onProgress?: ((event: TaskEvent) => void) | undefined;
  /** Resume (or name) the task with this local id. */
  id?: string | undefined;
  fee?: bigint | undefined;
  requirements?: Partial<TaskRequirements> | undefined;
};

/** One on-chain task of a logical task (the original, or a member of its validation group). */
export type MemberRecord = {
  role: 'original' | 'member';
  nonce: Hex;
  salt: Hex;
  taskKey: Hex;
  argsCommitment: Hex;
  /** Fee in wei (decimal string). */
  fee: string;
  /** The relay's ArgsAvailable statement (expiry: unix seconds, decimal string). */
  statement?: { expiry: string; signature: Hex } | undefined;
  /** Set before createTask is sent: on resume the chain decides whether it landed. */
  sending?: boolean | undefined;
  createTx?: Hex | undefined;
  /** Block of the createTask transaction (decimal string). */
  createdBlock?: string | undefined;
  /** Last chain state seen (ITaskManager.TaskState name). */
  state?: string | undefined;
  node?: Address | undefined;
  seedBlock?: string | undefined;
  /** blockhash(seedBlock): the sampling seed. */
  seed?: Hex | undefined;
  score?: Hex | undefined;
  /** Seed as folded at the report (event data). */
  reportSeed?: Hex | undefined;
  errorCode?: number | undefined;
  /**
   * End event seen: what the fee became. `forfeited`: nobody settled the draw while the creation block's hash
   * was readable (`DrawExpired`), so the fee went to the IncentivePool; the app gets nothing back.
   */
  outcome?: 'paid' | 'refunded' | 'forfeited' | undefined;
};

export type TaskPhase =
  | 'prepared' // secrets drawn, nothing sent
  | 'creating' // uploads / createTask of the current members
  | 'running' // waiting for reports
  | 'validating' // validation tx
  | 'downloading' // validated; fetching and checking the result
  | 'done'
  | 'failed';

/**
 * Everything the SDK persists about one logical task: plain JSON (bigints as decimal strings, bytes as hex).
 * It holds the task's secrets: keep the store private.
 */
export type TaskRecord = {
  v: 1;
  id: string;
  taskType: SdkTaskType;
  /** Canonical argument bytes (hex) and their keccak256. */
  args: Hex;
  argsHash: Hex;
  request: { modelIds: Hex[]; minVram: number; requiredGpu: Hex; version: string; gpu: string | null };
  /** Secret GUID of the current attempt (new on every resubmit). */
  guid: Hex;
  phase: TaskPhase;
  /** Current attempt: original first, then the two group members when sampled. */
  members: MemberRecord[];
  /** Sampling decision of the current attempt (undefined until the seed is known). */
  sampled?: boolean | undefined;
  vrfProof?: Hex | undefined;
  /**
   * Group members dropped from the current attempt because they ran on a node already in the group
   * (`DuplicateGroupNode`); each was replaced by a fresh member and is validated alone (its node is paid).
   */
  replaced?: MemberRecord[] | undefined;
  /** Task keys of earlier, aborted attempts. */
  previous: Hex[];
  /** Fees of earlier attempts owed back to the app (decimal string). */
  previousRefunded?: string | undefined;
  resubmits: number;
  validation?: 'single' | 'group' | undefined;
  /** The member whose result is downloaded. */
  resultKey?: Hex | undefined;
  error?: { name: string; message: string } | undefined;
  createdAt: number;
  updatedAt: number;
};

export type TaskResultBase = {
  id: string;
  taskType: SdkTaskType;
  taskKey: Hex;
  node: Address;
  score: Hex;
  validation: 'single' | 'group';
  taskKeys: Hex[];
  feesPaid: bigint;
  refunded: bigint;
};

export type ResultFile = { name: string; bytes: Uint8Array };

export type VerifiedResult = { taskType: SdkTaskType; files: ResultFile[]; base: TaskResultBase };

type EventBase = { id: string; at: number };
export type TaskEvent = EventBase &
  (
    | { type: 'prepared'; taskType: SdkTaskType }
    | { type: 'uploaded'; taskKey: Hex; argsCommitment: Hex; expiry: bigint }
    | { type: 'created'; taskKey: Hex; txHash: Hex | null; fee: bigint; role: 'original' | 'member' }
    | { type: 'queued'; taskKey: Hex }
    | { type: 'node'; taskKey: Hex; node: Address }
    | { type: 'running'; taskKey: Hex; node: Address; elapsedMs: number }
    | { type: 'scored'; taskKey: Hex; node: Address; score: Hex }
    | { type: 'error_reported'; taskKey: Hex; node: Address; code: number }
    | { type: 'sampled'; selected: boolean }
    | { type: 'group'; taskKeys: Hex[] }
    | { type: 'replaced'; taskKey: Hex; node: Address; replacement: Hex }
    | { type: 'validated'; taskKeys: Hex[]; mode: 'single' | 'group' }
    | { type: 'paid'; taskKey: Hex; node: Address; amount: bigint }
    | { type: 'refunded'; taskKey: Hex; amount: bigint }
    | { type: 'forfeited'; taskKey: Hex; amount: bigint }
    | { type: 'downloaded'; taskKey: Hex; files: { name: string; size: number }[] }
    | { type: 'aborted'; taskKey: Hex; reason: string }
    | { type: 'resubmitted'; taskKeys: Hex[] }
    | { type: 'retry'; step: string; attempt: number; delayMs: number; error: string }
    | { type: 'done' }
    | { type: 'failed'; error: VerinetError }
  );

export type TaskEventType = TaskEvent['type'];

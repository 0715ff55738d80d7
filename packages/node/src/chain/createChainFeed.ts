import {
  type Address,
  createPublicClient,
  type Hex,
  type Log,
  type PublicClient,
  type WebSocketTransport,
  webSocket,
} from 'viem';
import { createPollLoop } from './createPollLoop.js';

/** The chain reads a watcher makes: answered by the RPC, or by a feed shared between watchers. */
export type ChainSource = {
  getBlockNumber: () => Promise<bigint>;
  getBlock: (parameters: { blockNumber: bigint }) => Promise<{ number: bigint; hash: Hex; parentHash: Hex }>;
  getLogs: (parameters: { address: Address[]; fromBlock: bigint; toBlock: bigint }) => Promise<Log[]>;
  /** Calls `listener` whenever the source saw a new head; returns the unsubscribe function. */
  subscribe?: ((listener: () => void) => () => void) | undefined;
};

export type ChainFeed = ChainSource & {
  subscribe: (listener: () => void) => () => void;
  /** One poll (tests): the latest block, and the headers and logs of the blocks since the last poll. */
  pollOnce: () => Promise<void>;
  start: () => void;
  stop: () => Promise<void>;
};

export type CreateChainFeedParameters = {
  client: PublicClient;
  /** Contracts whose logs are kept (the union of what the watchers ask for; others go to the RPC). */
  addresses: Address[];
  /** How often the head is read (one `eth_blockNumber` per interval; the header only when it moved). */
  pollIntervalMs: number;
  /** Blocks kept in memory; older ones are read from the RPC. Default 256. */
  keepBlocks?: number | undefined;
  /**
   * A feed whose last good poll is older than this (stopped, or its RPC failing) answers nothing from memory.
   * Default 30 s: what it holds stays a consistent stretch of the chain as it was, so a feed slowed by a busy
   * process must not send every watcher to the RPC at once (which slows it further).
   */
  maxAgeMs?: number | undefined;
  /**
   * A WebSocket endpoint of the same chain (anvil answers one on its HTTP port): each new head it announces
   * (`eth_subscribe('newHeads')`) starts a poll at once, so the watchers see a block when it is mined instead of at
   * the next poll (on average half the interval later). The polls go on as the fallback (a dropped subscription).
   */
  wsUrl?: string | undefined;
  onError?: ((message: string) => void) | undefined;
};

type FeedBlock = { number: bigint; hash: Hex; parentHash: Hex; logs: Log[] };
type Header = { number: bigint; hash: Hex; parentHash: Hex };

/**
 * One reader of the chain for many watchers in one process (the devnet runs every node daemon in one process):
 * it reads the head number every `pollIntervalMs` and, when it moved, the new blocks' headers and the contracts' logs,
 * once; each watcher's reads of those blocks are answered from memory and every watcher is woken at once. N
 * daemons polling on their own made N times the same requests (most of a 20-node devnet's CPU went to HTTP
 * and JSON) and each noticed a block only at its next poll.
 *
 * Nothing is trusted more than the RPC itself: a batch is kept only when its headers chain onto the previous
 * batch by parent hash and every log carries the hash of its header, so the memory always holds one consistent
 * stretch of the chain as the RPC served it; on a reorg it is dropped and read again, and the watchers' own hash
 * checks see the new blocks as they would from the RPC. Reads outside the stretch, or while the feed is failing,
 * go to the RPC.
 *
 * @example
 * const feed = createChainFeed({ client, addresses: [taskManager, nodeRegistry], pollIntervalMs: 50 });
 * feed.start();
 * const watcher = createChainWatcher({ client, source: feed, … });
 */
export function createChainFeed(parameters: CreateChainFeedParameters): ChainFeed {
  const { client, pollIntervalMs } = parameters;
  const keep = parameters.keepBlocks ?? 256;
  const maxAgeMs = parameters.maxAgeMs ?? 30_000;
  const addresses = new Set(parameters.addresses.map((a) => a.toLowerCase()));
  const listeners = new Set<() => void>();
  let blocks: FeedBlock[] = [];
  let freshAt = 0;
  /**
   * Headers the WebSocket subscription pushed (newHeads carries number, hash and parent hash), by number: a poll
   * takes a block's header from here instead of asking `eth_getBlockByNumber` for it (one call per block was the
   * feed's main cost). They get no more trust than a read: a batch is kept only when its headers chain by parent
   * hash onto the kept stretch and every log (from `eth_getLogs`) carries its header's hash. A batch that fails
   * those checks drops every pushed header, so the next poll reads them all from the RPC (a pushed header of a
   * block since replaced, or a WebSocket endpoint on another node than the HTTP one, costs a retry, never a
   * wrong block).
   */
  const pushed = new Map<bigint, Header>();
  const remember = (header: Header) => {
    pushed.set(header.number, header);
    // Bounded: the oldest go first (a feed that stopped polling must not grow).
    if (pushed.size > keep) pushed.delete(pushed.keys().next().value!);
  };
  const headerOf = async (blockNumber: bigint): Promise<Header> => {
    const known = pushed.get(blockNumber);
    if (known) return known;
    return client.getBlock({ blockNumber });
  };

  const isFresh = () => loop.running && blocks.length > 0 && Date.now() - freshAt <= maxAgeMs;
  const find = (number: bigint): FeedBlock | undefined => {
    const first = blocks[0];
    if (!first || number < first.number) return undefined;
    const block = blocks[Number(number - first.number)];
    return block?.number === number ? block : undefined;
  };

  // One poll at a time: a test's pollOnce beside the loop's would fetch the same blocks twice.
  let polling: Promise<void> | undefined;
  const pollOnce = (): Promise<void> => {
    polling ??= poll().finally(() => {
      polling = undefined;
    });
    return polling;
  };

  const poll = async () => {
    const top = blocks.at(-1);
    // A head the subscription pushed above the kept top: one read of the HTTP node's latest header, and the pushed
    // headers below it (a poll it started, or a timer's poll that finds it there; a later head pushed starts the
    // next poll). Otherwise the cheap read first (most timer polls see no new block): a block replaced at the same height is seen with the next block, whose parent hash does
    // not chain onto the kept top (then a new stretch is read).
    let newest: Header | undefined;
    for (const header of pushed.values()) if (!newest || header.number > newest.number) newest = header;
    const fromPush = top && newest && newest.number > top.number ? newest : undefined;
    let latest: Header;
    if (fromPush && top) {
      // Only a head the HTTP node has (review s12): its logs come from that node, and one that has not got the
      // block yet answers an empty list for it (anvil does), which would pass as a block without logs. And only
      // the HTTP node's block at that height (review s13): a pushed block of another fork there would be kept with
      // the HTTP block's logs. So the head is the HTTP node's latest header (one read, in place of the
      // eth_blockNumber it replaces); the pushed headers stand in for the blocks below it, and are used only if
      // they chain onto it by parent hash (`check`). A WebSocket endpoint ahead of the HTTP one (another node
      // behind a load balancer, a lagging replica) is followed only as far as the HTTP node's head.
      latest = await client.getBlock({ blockTag: 'latest' });
      if (latest.number <= top.number) {
        freshAt = Date.now();
        return;
      }
    } else {
      if (top && (await client.getBlockNumber({ cacheTime: 0 })) === top.number) {
        freshAt = Date.now();
        return;
      }
      latest = await client.getBlock({ blockTag: 'latest' });
    }
    if (top && latest.hash === top.hash) {
      freshAt = Date.now();
      return;
    }
    let from = top && latest.number > top.number ? top.number + 1n : latest.number;
    // A head at or below the kept top with another hash, or too far ahead: start a new stretch.
    if (!top || latest.number <= top.number || latest.number - from >= BigInt(keep)) {
      from = latest.number;
    }
    const numbers = Array.from({ length: Number(latest.number - from) }, (_, i) => from + BigInt(i));
    const [logs, ...headers] = await Promise.all([
      client.getLogs({ address: [...parameters.addresses], fromBlock: from, toBlock: latest.number }),
      ...numbers.map(headerOf),
    ]);
    // Whatever the checks below decide, the pushed headers up to this batch are used (or found wrong).
    const consistent = check(from, logs, headers, latest);
    for (const number of [...pushed.keys()])
      if (!consistent || number <= latest.number) pushed.delete(number);
    if (!consistent) return;
    commit(from, logs, [...headers, latest]);
  };

  /** Whether the headers chain by parent hash and every log carries its block's hash. */
  const check = (from: bigint, logs: Log[], headers: Header[], latest: Header): boolean => {
    const batch = [...headers, latest];
    for (let i = 1; i < batch.length; i++) {
      // The chain moved between the reads: try again at the next poll.
      if (batch[i]!.parentHash !== batch[i - 1]!.hash) return false;
    }
    for (const log of logs) {
      const block = batch[Number((log.blockNumber ?? -1n) - from)];
      if (!block || block.hash !== log.blockHash) return false;
    }
    return true;
  };

  const commit = (from: bigint, logs: Log[], headers: Header[]) => {
    const batch: FeedBlock[] = headers.map((h) => ({
      number: h.number,
      hash: h.hash,
      parentHash: h.parentHash,
      logs: [],
    }));
    for (const log of logs) {
      if (addresses.has(log.address.toLowerCase())) batch[Number(log.blockNumber! - from)]!.logs.push(log);
    }
    const previous = blocks.at(-1);
    const continues =
      previous !== undefined && from === previous.number + 1n && batch[0]!.parentHash === previous.hash;
    blocks = continues ? [...blocks, ...batch].slice(-keep) : batch;
    freshAt = Date.now();
    for (const listener of listeners) listener();
  };

  /**
   * When the subscription last announced a head. Each head starts its own poll, so a timer's poll while heads keep
   * coming (a busy chain: a devnet mines a block per transaction) only reads `eth_blockNumber` to find nothing new:
   * it is skipped while the last head is younger than the poll interval. A subscription that stopped delivering
   * (dropped, or a node that stopped announcing) leaves the timer polling again one interval after its last head:
   * a block is never seen later than it would be by polling alone.
   */
  let headAt = Number.NEGATIVE_INFINITY;

  const loop = createPollLoop({
    step: () => (Date.now() - headAt < pollIntervalMs ? Promise.resolve() : pollOnce()),
    waitMs: () => pollIntervalMs,
    onError: (message) => parameters.onError?.(message),
  });

  // Heads announced over WebSocket: a poll at once (one at a time: a head during a poll polls again after it).
  let unwatch: (() => void) | undefined;
  let again = false;
  const onHead = () => {
    if (!loop.running) return;
    if (polling) {
      again = true;
      return;
    }
    void pollOnce()
      .catch(() => {}) // the loop's polls report RPC errors
      .finally(() => {
        if (!again) return;
        again = false;
        onHead();
      });
  };
  let wsClient: PublicClient<WebSocketTransport> | undefined;
  const watchHeads = () => {
    if (!parameters.wsUrl || unwatch) return;
    wsClient = createPublicClient({
      transport: webSocket(parameters.wsUrl, {
        keepAlive: false,
        reconnect: false,
        retryCount: 0,
        timeout: 10_000,
      }),
    });
    // A WebSocket transport subscribes to newHeads (viem polls only over HTTP). The polls go on: a lost
    // subscription costs latency, never a block. Its headers spare the polls their `eth_getBlockByNumber` (see
    // `pushed`).
    unwatch = wsClient.watchBlockHeaders({
      onBlockHeader: (header) => {
        headAt = Date.now();
        if (header.hash && header.number !== null) {
          remember({ number: header.number, hash: header.hash, parentHash: header.parentHash });
        }
        onHead();
      },
      onError: () => {},
    });
  };
  /** Unsubscribes and closes the socket (an open one keeps the process alive). */
  const unwatchHeads = async () => {
    unwatch?.();
    unwatch = undefined;
    const client = wsClient;
    wsClient = undefined;
    if (!client) return;
    const rpc = await (client.transport as unknown as { getRpcClient: () => Promise<{ close: () => void }> })
      .getRpcClient()
      .catch(() => undefined);
    rpc?.close();
  };

  return {
    pollOnce,
    async getBlockNumber() {
      if (isFresh()) return blocks.at(-1)!.number;
      return client.getBlockNumber();
    },
    async getBlock({ blockNumber }) {
      const block = isFresh() ? find(blockNumber) : undefined;
      if (block) return block;
      const read = await client.getBlock({ blockNumber });
      return { number: read.number, hash: read.hash, parentHash: read.parentHash };
    },
    async getLogs({ address, fromBlock, toBlock }) {
      const first = isFresh() ? find(fromBlock) : undefined;
      const last = first ? find(toBlock) : undefined;
      const wanted = new Set(address.map((a) => a.toLowerCase()));
      if (first && last && [...wanted].every((a) => addresses.has(a))) {
        const out: Log[] = [];
        for (let n = fromBlock; n <= toBlock; n++)
          for (const log of find(n)!.logs) if (wanted.has(log.address.toLowerCase())) out.push(log);
        return out;
      }
      return client.getLogs({ address, fromBlock, toBlock });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      loop.start();
      watchHeads();
    },
    async stop() {
      await unwatchHeads();
      await loop.stop();
    },
  };
}

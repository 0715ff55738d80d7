import { formatVersion, isVersionCompatible, unpackVersion } from '@verinet/protocol/args';
import { nodeRegistryAbi } from '@verinet/protocol/chain/abis';
import { keccak256, stringToHex } from 'viem';
import type { SdkContext } from '../client/context.js';
import { ConfigurationError } from '../errors/index.js';
import { toSdkError } from './toSdkError.js';

/** The NodeJoined (GPU, version) pairs seen so far per RPC client and registry, and how far the scan got. */
type JoinedScan = { scannedTo: bigint | undefined; joined: Map<string, { gpu: string; version: bigint }> };
const scans = new WeakMap<object, Map<string, { scan: JoinedScan; pending?: Promise<void> | undefined }>>();

/**
 * Blocks read again at each call: a NodeJoined of a block replaced by a reorg this shallow is still found. A pair
 * that a deeper reorg removed stays a candidate, harmlessly: populations are read from the chain at each call.
 */
export const joinedRescanBlocks = 64n;

/**
 * An LLM task must pin a GPU and runs only on nodes of exactly its version (exact-match results). When the app
 * names no GPU, the most populated (GPU, version) bucket the registry reports for this argument version is
 * chosen: GPU names come from the NodeJoined events, populations from `exactBucketPopulation`. The events are
 * scanned from the deployment block once per RPC client and registry, then only from where the last call
 * stopped (less the last 64 blocks): a long chain no longer costs every LLM task a scan of its whole history.
 */
export async function discoverLlmBucket(
  context: SdkContext,
  parameters: { argsVersion: string; minVram: number },
): Promise<{ gpu: string; version: string }> {
  const client = context.access.publicClient;
  const registry = context.access.chain.contracts.nodeRegistry;
  let byRegistry = scans.get(client);
  if (!byRegistry) {
    byRegistry = new Map();
    scans.set(client, byRegistry);
  }
  let entry = byRegistry.get(registry.toLowerCase());
  if (!entry) {
    entry = { scan: { scannedTo: undefined, joined: new Map() } };
    byRegistry.set(registry.toLowerCase(), entry);
  }
  const current = entry;
  // Calls at the same time share one scan.
  current.pending ??= (async () => {
    try {
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const start = BigInt(context.access.chain.startBlock ?? 0);
      const scannedTo = current.scan.scannedTo;
      let fromBlock = scannedTo === undefined ? start : scannedTo + 1n - joinedRescanBlocks;
      if (fromBlock < start) fromBlock = start;
      if (fromBlock > head) return;
      const logs = await client.getContractEvents({
        address: registry,
        abi: nodeRegistryAbi,
        eventName: 'NodeJoined',
        fromBlock,
        toBlock: head,
      });
      for (const log of logs) {
        const { gpuName, version } = log.args;
        if (gpuName !== undefined && version !== undefined)
          current.scan.joined.set(`${gpuName}\u0000${version}`, { gpu: gpuName, version });
      }
      current.scan.scannedTo = head;
    } catch (error) {
      throw toSdkError(error, 'getLogs(NodeJoined)');
    } finally {
      current.pending = undefined;
    }
  })();
  await current.pending;
  const candidates = new Map<string, { gpu: string; version: bigint }>();
  for (const [key, { gpu, version }] of current.scan.joined) {
    if (!isVersionCompatible(unpackVersion(version), parameters.argsVersion)) continue;
    candidates.set(key, { gpu, version });
  }
  let best: { gpu: string; version: bigint; population: bigint } | undefined;
  for (const { gpu, version } of candidates.values()) {
    let population: bigint;
    try {
      population = await client.readContract({
        address: registry,
        abi: nodeRegistryAbi,
        functionName: 'exactBucketPopulation',
        args: [keccak256(stringToHex(gpu)), version, parameters.minVram],
      });
    } catch (error) {
      throw toSdkError(error, 'exactBucketPopulation');
    }
    if (population > 0n && (!best || population > best.population)) best = { gpu, version, population };
  }
  if (!best) {
    throw new ConfigurationError('No registered node can run this LLM task.', {
      details: [
        `No node joined with a version compatible with ${parameters.argsVersion} and at least ${parameters.minVram} GiB.`,
        'Pass requirements.gpu (the GPU name nodes registered with) and requirements.version, or start nodes.',
      ],
    });
  }
  return { gpu: best.gpu, version: formatVersion(unpackVersion(best.version)) };
}

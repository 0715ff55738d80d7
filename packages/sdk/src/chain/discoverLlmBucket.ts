import { formatVersion, isVersionCompatible, unpackVersion } from '@verinet/protocol/args';
import { nodeRegistryAbi } from '@verinet/protocol/chain/abis';
import { keccak256, stringToHex } from 'viem';
import type { SdkContext } from '../client/context.js';
import { ConfigurationError } from '../errors/index.js';
import { toSdkError } from './toSdkError.js';

/**
 * An LLM task must pin a GPU and runs only on nodes of exactly its version (exact-match results). When the app
 * names no GPU, the most populated (GPU, version) bucket the registry reports for this argument version is
 * chosen: GPU names come from the NodeJoined events, populations from `exactBucketPopulation`.
 */
export async function discoverLlmBucket(
  context: SdkContext,
  parameters: { argsVersion: string; minVram: number },
): Promise<{ gpu: string; version: string }> {
  const client = context.access.publicClient;
  const registry = context.access.chain.contracts.nodeRegistry;
  let joined: { gpuName: string; version: bigint }[];
  try {
    const logs = await client.getContractEvents({
      address: registry,
      abi: nodeRegistryAbi,
      eventName: 'NodeJoined',
      fromBlock: BigInt(context.access.chain.startBlock ?? 0),
      toBlock: 'latest',
    });
    joined = logs.flatMap((log) =>
      log.args.gpuName !== undefined && log.args.version !== undefined
        ? [{ gpuName: log.args.gpuName, version: log.args.version }]
        : [],
    );
  } catch (error) {
    throw toSdkError(error, 'getLogs(NodeJoined)');
  }
  const candidates = new Map<string, { gpu: string; version: bigint }>();
  for (const { gpuName, version } of joined) {
    if (!isVersionCompatible(unpackVersion(version), parameters.argsVersion)) continue;
    candidates.set(`${gpuName}\u0000${version}`, { gpu: gpuName, version });
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

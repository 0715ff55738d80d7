import type { TaskRecord } from '@verinet/sdk';
import type { TaskNetwork } from './resolveTaskNetwork.js';

/** One on-chain task as the chain has it now. */
export type ChainTaskView = { state: string; node: string | undefined };

export type ChainTaskStates =
  | {
      ok: true;
      tasks: Map<string, ChainTaskView>;
      /**
       * Task keys (lower case) the chain provably no longer has: unknown to the chain, whose creation block the
       * chain's head is at or past, and which holds another block than the record's there (its hash differs from
       * the record's, or its transactions lack the createTask), on two reads a few seconds apart. The chain went
       * back under them (a devnet's anvil reloaded from an older save, a deep reorg): whatever they paid or earned
       * there is undone.
       */
      lost: string[];
      /**
       * Task keys (lower case) recorded as ended whose end the chain went back under while their creation stands:
       * live again on chain, their fee held there. `task resume` follows them again.
       */
      reopened: string[];
      /**
       * Task keys (lower case) unknown to the chain whose creation block is above the RPC's head, or that the RPC
       * has no block for: an RPC behind (a lagging replica of a load-balanced RPC) or a chain that went back;
       * nothing is concluded from it.
       */
      behind: string[];
      /** The RPC's head block when read. */
      head: bigint;
    }
  | { ok: false; reason: string };

/**
 * The chain's state and node of each on-chain task of a task: the app's record only moves while a
 * `task run` (or `task resume`) follows the task, so after one gave up the record is stale; and a finished
 * task's record is never read again by the SDK, so a chain that went back under it (`lost`) shows only here.
 * Nothing is written (the SDK updates the record when the task is resumed). One quick try: an unreachable chain
 * is reported, not waited for.
 *
 * @example
 * const chain = await readChainTaskStates(network, record);
 */
export async function readChainTaskStates(
  network: TaskNetwork,
  record: TaskRecord,
  options: { confirmAfterMs?: number } = {},
): Promise<ChainTaskStates> {
  const confirmAfterMs = options.confirmAfterMs ?? 2_000;
  const members = [...record.members, ...(record.replaced ?? [])];
  const keys = members.map((member) => member.taskKey);
  try {
    const { readDeployment } = await import('@verinet/protocol/chain');
    const { taskManagerAbi } = await import('@verinet/protocol/chain/abis');
    const { taskStates } = await import('@verinet/protocol/chain/taskStates');
    const { createPublicClient, http, zeroAddress } = await import('viem');
    const deployment = readDeployment(network.deploymentFile);
    const client = createPublicClient({ transport: http(network.rpcUrl, { retryCount: 0, timeout: 5_000 }) });
    const infos = await Promise.all(
      keys.map(
        (taskKey) =>
          client.readContract({
            address: deployment.contracts.taskManager,
            abi: taskManagerAbi,
            functionName: 'getTask',
            args: [taskKey],
          } as never) as Promise<{ state: number; node: string }>,
      ),
    );
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const tasks = new Map<string, ChainTaskView>();
    const lost: string[] = [];
    const reopened: string[] = [];
    const behind: string[] = [];
    /**
     * Whether the chain provably no longer holds the member's createTask (see `lost`): only a positive difference
     * is a proof, read twice `confirmAfterMs` apart (a load-balanced RPC may answer each call from another
     * replica): the block the RPC has now at the creation height is another one than the record's (its hash
     * differs from the seed's when the seed is that block's hash, or its transactions lack the createTask). No
     * block there (a replica behind it) is 'behind': nothing is concluded; a missing transaction is no proof.
     */
    const creationGone = async (member: (typeof members)[number]): Promise<boolean | 'behind'> => {
      const createTx = member.createTx;
      if (createTx === undefined || member.createdBlock === undefined) return false;
      const createdBlock = BigInt(member.createdBlock);
      if (head < createdBlock) return 'behind';
      const readOnce = async (): Promise<boolean | 'behind'> => {
        const block = await client.getBlock({ blockNumber: createdBlock }).catch((error: unknown) => {
          if ((error as Error).name === 'BlockNotFoundError') return undefined;
          throw error;
        });
        if (!block?.hash) return 'behind';
        // The seed is blockhash(seedBlock): the record's block hash at the creation height when they match.
        if (member.seed !== undefined && member.seedBlock === member.createdBlock)
          return block.hash.toLowerCase() !== member.seed.toLowerCase();
        return !block.transactions.some((hash) => hash.toLowerCase() === createTx.toLowerCase());
      };
      const first = await readOnce();
      if (first !== true) return first;
      await new Promise((resolve) => setTimeout(resolve, confirmAfterMs));
      return readOnce();
    };
    for (const [index, info] of infos.entries()) {
      const member = members[index]!;
      const key = member.taskKey.toLowerCase();
      const state = taskStates[info.state] ?? `state ${info.state}`;
      tasks.set(key, {
        state,
        node: info.node === zeroAddress ? undefined : info.node,
      });
      if (state === 'None') {
        const gone = await creationGone(member);
        if (gone === 'behind') behind.push(key);
        else if (gone) lost.push(key);
        continue;
      }
      // An end is final: another state on the chain now can only be an earlier one: the chain went back under
      // the end, not under the creation (the task is known): live again, its fee held on chain.
      if (member.state?.startsWith('End') === true && state !== member.state) reopened.push(key);
    }
    return { ok: true, tasks, lost, reopened, behind, head };
  } catch (error) {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    return { ok: false, reason: (message.split('\n')[0] ?? '').replace(/\.$/, '') };
  }
}

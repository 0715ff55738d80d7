import type { TaskRecord } from '@verinet/sdk';
import type { TaskNetwork } from './resolveTaskNetwork.js';

/** One on-chain task as the chain has it now. */
export type ChainTaskView = { state: string; node: string | undefined };

export type ChainTaskStates =
  | {
      ok: true;
      tasks: Map<string, ChainTaskView>;
      /**
       * Task keys (lower case) the chain no longer has as the record does: created (the record has its createTask
       * transaction) but unknown to the chain with that transaction in neither a block nor the pool, or recorded
       * as ended while the chain has another state. The chain went back under them (a devnet's anvil reloaded
       * from an older save, a deep reorg): whatever they paid or earned there is undone.
       */
      lost: string[];
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
): Promise<ChainTaskStates> {
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
    const tasks = new Map<string, ChainTaskView>();
    const lost: string[] = [];
    for (const [index, info] of infos.entries()) {
      const member = members[index]!;
      const state = taskStates[info.state] ?? `state ${info.state}`;
      tasks.set(member.taskKey.toLowerCase(), {
        state,
        node: info.node === zeroAddress ? undefined : info.node,
      });
      // An end is final: another state on the chain now can only be an earlier one, i.e. the chain went back.
      const endUndone = member.state?.startsWith('End') === true && state !== member.state;
      // Unknown, though its createTask was mined: lost, unless that transaction waits in the pool again.
      const createUndone =
        state === 'None' &&
        member.createTx !== undefined &&
        (await client.getTransaction({ hash: member.createTx }).then(
          () => false,
          (error: unknown) => {
            if ((error as Error).name === 'TransactionNotFoundError') return true;
            throw error;
          },
        ));
      if (endUndone || createUndone) lost.push(member.taskKey.toLowerCase());
    }
    return { ok: true, tasks, lost };
  } catch (error) {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    return { ok: false, reason: (message.split('\n')[0] ?? '').replace(/\.$/, '') };
  }
}

import type { TaskRecord } from '@verinet/sdk';
import type { TaskNetwork } from './resolveTaskNetwork.js';

/** One on-chain task as the chain has it now. */
export type ChainTaskView = { state: string; node: string | undefined };

export type ChainTaskStates = { ok: true; tasks: Map<string, ChainTaskView> } | { ok: false; reason: string };

/**
 * The chain's state and node of each on-chain task of an open task: the app's record only moves while a
 * `task run` (or `task resume`) follows the task, so after one gave up the record is stale. Nothing is written
 * (the SDK updates the record when the task is resumed). One quick try: an unreachable chain is reported, not
 * waited for.
 *
 * @example
 * const chain = await readChainTaskStates(network, record);
 */
export async function readChainTaskStates(
  network: TaskNetwork,
  record: TaskRecord,
): Promise<ChainTaskStates> {
  const keys = [...record.members, ...(record.replaced ?? [])].map((member) => member.taskKey);
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
    for (const [index, info] of infos.entries()) {
      tasks.set(keys[index]!.toLowerCase(), {
        state: taskStates[info.state] ?? `state ${info.state}`,
        node: info.node === zeroAddress ? undefined : info.node,
      });
    }
    return { ok: true, tasks };
  } catch (error) {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    return { ok: false, reason: (message.split('\n')[0] ?? '').replace(/\.$/, '') };
  }
}

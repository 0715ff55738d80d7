import { encodeTaskArgs, getModelId, packVersion } from '@verinet/protocol/args';
import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { getFixedGasLimit, isFixedGasChain } from '@verinet/protocol/chain/getFixedGasLimit';
import { parseTaskManagerLogs } from '@verinet/protocol/chain/parseTaskManagerLogs';
import {
  createNonce,
  createSalt,
  createTaskSecrets,
  getArgsCommitment,
  getTaskIdCommitment,
} from '@verinet/protocol/commitment';
import { poolHttp } from '@verinet/protocol/http';
import { getResultHash } from '@verinet/protocol/relay';
import { getPublicKey } from '@verinet/protocol/vrf';
import { createFeeReader, getGasLimit, isFeeRefusal, isOutOfGas } from '@verinet/sdk';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  parseEther,
  stringToHex,
  type TransactionReceipt,
  zeroAddress,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { sendRawTransactionSync } from 'viem/actions';
import { type StartAnvilParameters, startAnvil } from '../anvil/startAnvil.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';

export type ChainCeiling = {
  tasks: number;
  transactions: number;
  seconds: number;
  tasksPerSecond: number;
  txPerSecond: number;
};

export type MeasureChainCeilingParameters = {
  nodes: number;
  apps: number;
  tasks: number;
  gpu: { name: string; vramGib: number };
  /** The task arguments the network run sends (same calldata size). */
  llmArgs: Record<string, unknown>;
  version: string;
  /**
   * anvil's options: the devnet's, so that the ceiling is measured on the chain the network run used; with
   * `loadState`, anvil starts from that saved chain (bench:network: the network's own, grown by its tasks) and the
   * contracts are deployed again on it.
   */
  anvil?:
    | Pick<StartAnvilParameters, 'hardfork' | 'pruneHistory' | 'forkIdleBase' | 'stateFile' | 'loadState'>
    | undefined;
  /** Called after each task with the number done so far (a long run's progress, anvil's cost over the chain). */
  onTask?: ((done: number) => void) | undefined;
};

/**
 * The chain-bound ceiling: the calls one unsampled LLM task makes on chain (createTask with the relay's
 * ArgsAvailable statement, submitScore by the chosen node, validateSingleTask), sent the way the SDK and the
 * node send them (gas estimated against the pending block, or on anvil's chain id the call's fixed limit checked by
 * one eth_call, the nonce kept per account after the first read,
 * the fees read at most once a second for the whole run with a cap of 2 × base fee + tip and read again once on
 * a refusal for a low fee, one transaction at a time per account, signed locally and handed over with
 * eth_sendRawTransactionSync, which answers with the receipt), by `apps` concurrent apps against `nodes` registered nodes, on an anvil of its own
 * with instant mining (fresh, or started from a saved chain: `anvil.loadState`) and nothing else running: no relay,
 * no worker, no event polling.
 */
export async function measureChainCeiling(parameters: MeasureChainCeilingParameters): Promise<ChainCeiling> {
  const anvil = await startAnvil({ ...parameters.anvil });
  try {
    const deployerKey = getDevnetPrivateKey(0);
    const deployment = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerKey });
    const chain = {
      id: deployment.chainId,
      name: 'ceiling',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    } as const;
    const client = createPublicClient({ chain, transport: poolHttp(anvil.rpcUrl), pollingInterval: 5 });
    const wallets = new Map<string, ReturnType<typeof createWalletClient>>();
    const walletOf = (account: LocalAccount) => {
      let wallet = wallets.get(account.address);
      if (!wallet) {
        wallet = createWalletClient({ account, chain, transport: poolHttp(anvil.rpcUrl) });
        wallets.set(account.address, wallet);
      }
      return wallet;
    };
    let transactions = 0;
    // As the SDK's sendLocal (createChainAccess): one fee read a second for everyone, the higher of the pending
    // count (read with the estimate) and the nonce kept per account, one transaction at a time per account until
    // it is mined.
    const fees = createFeeReader({ publicClient: client as never });
    const nonces = new Map<string, number>();
    const queues = new Map<string, Promise<unknown>>();
    const serial = <T>(account: LocalAccount, run: () => Promise<T>): Promise<T> => {
      const next = (queues.get(account.address) ?? Promise.resolve()).then(run, run);
      queues.set(
        account.address,
        next.catch(() => undefined),
      );
      return next;
    };
    const sendOnce = (account: LocalAccount, request: Record<string, unknown>, full: boolean) =>
      serial(account, async () => {
        for (let feeRefreshed = false; ; feeRefreshed = true) {
          // As the SDK and the node on a fixed-gas chain (anvil's 31337): a TaskManager call's fixed limit checked
          // by one eth_call; estimated otherwise, and after running out of gas (`full`).
          const fixed =
            !full && isFixedGasChain(chain.id) && request.address === deployment.contracts.taskManager
              ? getFixedGasLimit(String(request.functionName))
              : undefined;
          const [estimate, pendingNonce, fee] = await Promise.all([
            fixed === undefined
              ? client.estimateContractGas({ ...request, account, blockTag: 'pending' } as never)
              : client
                  .call({
                    account,
                    to: request.address as Address,
                    data: encodeFunctionData(request as never),
                    value: request.value as bigint | undefined,
                    blockTag: 'pending',
                  })
                  .then(() => fixed),
            client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
            fees.read(),
          ]);
          const nonce = Math.max(pendingNonce, nonces.get(account.address) ?? 0);
          const gas = fixed ?? getGasLimit(String(request.functionName), estimate, { full });
          const raw = await account.signTransaction({
            type: 'eip1559',
            chainId: chain.id,
            to: request.address as Address,
            data: encodeFunctionData(request as never),
            value: (request.value as bigint | undefined) ?? 0n,
            nonce,
            gas,
            maxFeePerGas: fee.maxFeePerGas,
            maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
          });
          try {
            const receipt = await sendRawTransactionSync(client, { serializedTransaction: raw });
            nonces.set(account.address, nonce + 1);
            return { receipt, gas, estimate };
          } catch (error) {
            nonces.delete(account.address);
            if (feeRefreshed || !isFeeRefusal(error)) throw error;
            fees.refresh();
          }
        }
      });
    const send = async (
      account: LocalAccount,
      request: Record<string, unknown>,
    ): Promise<TransactionReceipt> => {
      const call = { ...request, account } as never;
      // As the SDK: room for a few more draws than estimated, and once more with room for all of them when
      // the call ran out of gas (most calls settle every pending draw first).
      for (let full = false; ; full = true) {
        const { receipt, gas, estimate } = await sendOnce(account, request, full);
        transactions++;
        if (receipt.status === 'success') return receipt;
        if (!full && isOutOfGas(receipt.gasUsed, gas)) continue;
        // Say why: out of gas (the limit was used up) or the contract's error replayed at that block.
        const why = await client
          .simulateContract({ ...(call as object), blockNumber: receipt.blockNumber - 1n } as never)
          .then(
            () => 'the replay one block earlier passes',
            (error: unknown) => (error as Error).message.split('\n')[0],
          );
        throw new Error(
          `${String(request.functionName)} reverted in block ${receipt.blockNumber}: gas used ${receipt.gasUsed} of ${gas} (estimate ${estimate}); ${why}`,
        );
      }
    };
    const fund = async (to: Address, value: bigint) => {
      const hash = await walletOf(deployer).sendTransaction({ to, value } as never);
      await client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
      // The setup's transfers take the deployer's nonces outside `send`: its next one is read again.
      nonces.delete(deployer.address);
    };

    const deployer = privateKeyToAccount(deployerKey);
    const relay = privateKeyToAccount(generatePrivateKey());
    const taskManager = { address: deployment.contracts.taskManager, abi: taskManagerAbi } as const;
    await send(deployer, { ...taskManager, functionName: 'setRelaySigner', args: [relay.address] });
    await send(deployer, {
      address: deployment.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'setMinExactBucket',
      args: [BigInt(Math.min(parameters.nodes, 4))],
    });
    const domain = {
      name: 'Verinet Relay',
      version: '1',
      chainId: deployment.chainId,
      verifyingContract: deployment.contracts.taskManager,
    } as const;

    const { argsHash, args } = encodeTaskArgs('llm', parameters.llmArgs);
    const modelIds = [getModelId(`base:${(args as { model: string }).model}`)];
    const minStake = (await client.readContract({
      address: deployment.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'minStake',
    })) as bigint;
    const nodes = new Map<string, LocalAccount>();
    for (let index = 0; index < parameters.nodes; index++) {
      const key = generatePrivateKey();
      const node = privateKeyToAccount(key);
      nodes.set(node.address.toLowerCase(), node);
      await fund(node.address, minStake + parseEther('2'));
      await send(node, {
        address: deployment.contracts.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'join',
        args: [
          parameters.gpu.name,
          parameters.gpu.vramGib,
          packVersion(parameters.version),
          getPublicKey(key),
          zeroAddress,
          modelIds,
        ],
        value: minStake,
      });
    }
    const apps = Array.from({ length: parameters.apps }, () => privateKeyToAccount(generatePrivateKey()));
    for (const app of apps) await fund(app.address, parseEther('10'));
    const submitScoreInputs =
      (taskManagerAbi as readonly { type: string; name?: string; inputs?: readonly unknown[] }[]).find(
        (item) => item.type === 'function' && item.name === 'submitScore',
      )?.inputs?.length ?? 2;
    const fee = (await client.readContract({ ...taskManager, functionName: 'minFee' })) as bigint;
    const score = keccak256(stringToHex('ceiling'));

    const runOne = async (app: LocalAccount) => {
      const { guid } = createTaskSecrets();
      const taskKey = getTaskIdCommitment(guid, createNonce());
      const argsCommitment = getArgsCommitment(argsHash, createSalt());
      const head = await client.getBlock({ blockTag: 'latest' });
      const expiry = head.timestamp + 3600n;
      const relaySignature = await relay.signTypedData({
        domain,
        types: {
          ArgsAvailable: [
            { name: 'creator', type: 'address' },
            { name: 'argsCommitment', type: 'bytes32' },
            { name: 'expiry', type: 'uint64' },
          ],
        },
        primaryType: 'ArgsAvailable',
        message: { creator: app.address, argsCommitment, expiry },
      });
      const created = await send(app, {
        ...taskManager,
        functionName: 'createTask',
        args: [
          {
            taskType: 1,
            modelIds,
            minVram: 8,
            requiredGpu: keccak256(stringToHex(parameters.gpu.name)),
            version: packVersion(parameters.version),
            taskSize: 1n,
            taskIdCommitment: taskKey,
            argsCommitment,
            relayExpiry: expiry,
            relaySignature,
          },
        ],
        value: fee,
      });
      // F1: createTask leaves the task Pending; the first later transaction draws its node. As the SDK does,
      // the app sends settleDraws() when nobody else's transaction did (a no-op when one did meanwhile).
      // Parsed as the SDK parses its receipts (parseTaskManagerLogs).
      const drawn = parseTaskManagerLogs(created.logs).find(
        (log) => log.eventName === 'TaskStarted' && (log.args as { taskKey: Hex }).taskKey === taskKey,
      );
      let chosen: Address | undefined = drawn ? (drawn.args as { node: Address }).node : undefined;
      for (let attempt = 0; !chosen && attempt < 20; attempt++) {
        const info = (await client.readContract({
          ...taskManager,
          functionName: 'getTask',
          args: [taskKey],
        })) as { state: number; node: Address };
        if (info.state === 2) chosen = info.node;
        else {
          // As the SDK decides (decideDrawSettlement's grace, 50 ms): on a busy chain another app's transaction
          // draws it within a moment; a settleDraws only when no block came after the creation's. Without the
          // grace, a slow (grown) chain had this client send ≈ 0.9 settleDraws more per task than the SDK's apps
          // would (3,970 against 3,097 transactions per 1,000 tasks), which lowered its ceiling (session 15).
          await new Promise((resolve) => setTimeout(resolve, 50));
          if ((await client.getBlockNumber({ cacheTime: 0 })) > created.blockNumber) continue;
          await send(app, { ...taskManager, functionName: 'settleDraws', args: [] });
        }
      }
      const node = chosen ? nodes.get(chosen.toLowerCase()) : undefined;
      if (!node) throw new Error('the ceiling run found no free node (more apps than nodes?)');
      const resultSignature =
        submitScoreInputs >= 3
          ? await relay.signTypedData({
              domain,
              types: {
                ResultAvailable: [
                  { name: 'taskKey', type: 'bytes32' },
                  { name: 'resultHash', type: 'bytes32' },
                ],
              },
              primaryType: 'ResultAvailable',
              message: { taskKey, resultHash: getResultHash(Buffer.from(score.slice(2), 'hex')) },
            })
          : undefined;
      await send(node, {
        ...taskManager,
        functionName: 'submitScore',
        args: resultSignature ? [taskKey, score, resultSignature] : [taskKey, score],
      });
      await send(app, { ...taskManager, functionName: 'validateSingleTask', args: [taskKey] });
    };

    let next = 0;
    let finished = 0;
    const before = transactions;
    const started = performance.now();
    await Promise.all(
      apps.map(async (app) => {
        while (next < parameters.tasks) {
          next++;
          await runOne(app);
          finished++;
          parameters.onTask?.(finished);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const sent = transactions - before;
    return {
      tasks: parameters.tasks,
      transactions: sent,
      seconds,
      tasksPerSecond: parameters.tasks / seconds,
      txPerSecond: sent / seconds,
    };
  } finally {
    await anvil.stop();
  }
}

// DApp mode: the same pages without the bridge. The user's browser wallet (EIP-1193, window.ethereum) signs
// every transaction and relay request and pays the fees; the SDK talks to the chain and the relay directly.
import { createClient, type TaskEvent, type VerinetClient } from '@verinet/sdk';
import { createWalletClient, custom, defineChain, type EIP1193Provider, getAddress } from 'viem';
import type { UiConfig } from '../lib/bridge.js';
import type { ProgressStep } from '../lib/progress.js';
import type { ImageRun, Runner } from '../lib/runner.js';
import { createLocalStorageStore } from './createLocalStorageStore.js';

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

const stepLabels: [string, string][] = [
  ['created', 'Task created on chain'],
  ['node', 'Node selected'],
  ['scored', 'Result committed (score)'],
  ['sampled', 'Sampling decided (secret until validation)'],
  ['validated', 'Validated'],
  ['paid', 'Node paid'],
  ['downloaded', 'Result downloaded and checked against the chain'],
];

/** Folds the SDK's progress events of one task into the step list the pages show. */
function createProgress(onProgress: (steps: ProgressStep[], status: string) => void) {
  const done = new Map<string, string | undefined>();
  return (event: TaskEvent) => {
    if (event.type === 'created' && event.role === 'original')
      done.set('created', event.txHash ? `tx ${event.txHash.slice(0, 10)}…` : undefined);
    if (event.type === 'node') done.set('node', `node ${event.node.slice(0, 10)}…`);
    if (event.type === 'scored') done.set('scored', undefined);
    if (event.type === 'sampled') {
      done.set(
        'sampled',
        event.selected ? 'selected: a validation group of 3' : 'not selected: single validation',
      );
    }
    if (event.type === 'validated') done.set('validated', event.mode === 'group' ? 'as a group' : 'single');
    if (event.type === 'paid') done.set('paid', `${event.node.slice(0, 10)}…`);
    if (event.type === 'downloaded') done.set('downloaded', undefined);
    const steps = stepLabels.map(([key, label]) => ({
      key,
      label,
      done: done.has(key),
      detail: done.get(key),
    }));
    const status = event.type === 'done' ? 'succeeded' : event.type === 'failed' ? 'failed' : event.type;
    onProgress(steps, status);
  };
}

function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error) return String(error.shortMessage);
  return error instanceof Error ? error.message : String(error);
}

export type DappRunner = Runner & {
  /** The wallet account that signs and pays. */
  account: string;
  /** Stops following the wallet's events and stops this runner's tasks where they are (kept, resumable). */
  close(): void;
};

/**
 * Connects the injected wallet (asking the user), checks it is on the deployment's chain, and returns a runner
 * whose tasks the wallet pays for. The runner is bound to one account on one chain: when the wallet switches
 * either (`accountsChanged`, `chainChanged`), the page closes it (its tasks stop where they are; their records
 * stay in this browser under the account that paid) and builds a new one, which checks the wallet again.
 */
export async function createDappRunner(config: UiConfig | null): Promise<DappRunner> {
  const ethereum = window.ethereum;
  if (!ethereum) {
    throw new Error(
      'DApp mode needs a browser wallet (window.ethereum): install one, or switch to bridge mode in Settings',
    );
  }
  if (!config?.chainId || !config.rpcUrl || !config.relayUrl || !config.deployment) {
    throw new Error(
      'DApp mode needs ui-config.json with chainId, rpcUrl, relayUrl and deployment (see docs/web.md)',
    );
  }
  const accounts = (await ethereum.request({ method: 'eth_requestAccounts' })) as string[];
  if (!accounts[0]) throw new Error('the wallet shared no account');
  const address = getAddress(accounts[0]);
  const walletChain = Number.parseInt((await ethereum.request({ method: 'eth_chainId' })) as string, 16);
  if (walletChain !== config.chainId) {
    try {
      await ethereum.request({
        method: 'wallet_switchEthereumChain',
        params: [{ chainId: `0x${config.chainId.toString(16)}` }],
      });
    } catch {
      throw new Error(`your wallet is on chain ${walletChain}: switch it to chain ${config.chainId}`);
    }
  }
  const chain = defineChain({
    id: config.chainId,
    name: 'Verinet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  const walletClient = createWalletClient({ account: address, chain, transport: custom(ethereum) });
  const client: VerinetClient = createClient({
    chain: {
      id: config.chainId,
      rpcUrl: config.rpcUrl,
      ...(config.deployment.startBlock === undefined ? {} : { startBlock: config.deployment.startBlock }),
      contracts: {
        taskManager: getAddress(config.deployment.taskManager),
        nodeRegistry: getAddress(config.deployment.nodeRegistry),
      },
    },
    relay: new URL(config.relayUrl, location.href).toString(),
    account: { walletClient },
    store: createLocalStorageStore(address),
  });
  const runs: ImageRun[] = [];
  const closed = new AbortController();
  const withClose = (signal: AbortSignal | undefined) =>
    signal ? AbortSignal.any([signal, closed.signal]) : closed.signal;
  const close = () => {
    if (!closed.signal.aborted)
      closed.abort(new Error('the wallet changed account or chain: the task stopped where it was'));
  };
  return {
    mode: 'dapp',
    account: address,
    close,
    async listModels() {
      return config.models ?? [];
    },
    async generateImages(args, onProgress, signal) {
      try {
        const result = await client.images.generate(args as never, {
          onProgress: createProgress(onProgress),
          signal: withClose(signal),
        });
        const images = result.images.map((image) =>
          URL.createObjectURL(new Blob([image.png as BlobPart], { type: 'image/png' })),
        );
        const run: ImageRun = {
          id: result.id,
          images,
          status: 'succeeded',
          timings: `task ${result.taskKey}`,
        };
        runs.unshift(run);
        return run;
      } catch (error) {
        const run: ImageRun = {
          id: crypto.randomUUID(),
          images: [],
          status: 'failed',
          error: messageOf(error),
        };
        runs.unshift(run);
        return run;
      }
    },
    async chat(params, onDelta, onProgress, signal) {
      // The text arrives whole: it is shown only once its hash matches the score on chain and the task is paid.
      try {
        const completion = await client.chat.completions.create(params as never, {
          onProgress: createProgress(onProgress),
          signal: withClose(signal),
        });
        onDelta(completion.choices[0]?.message.content ?? '');
      } catch (error) {
        throw new Error(messageOf(error));
      }
    },
    async history() {
      return runs;
    },
  };
}

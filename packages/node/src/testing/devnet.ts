/**
 * Test helpers: a real anvil chain with the real contracts deployed (the CLI's own startAnvil and
 * deployContracts), and an RPC proxy that can be switched down or slow.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Anvil, startAnvil } from '@verinet/cli/src/anvil/startAnvil.js';
import { buildContracts } from '@verinet/cli/src/deploy/artifacts.js';
import { deployContracts } from '@verinet/cli/src/deploy/deployContracts.js';
import { getDevnetPrivateKey } from '@verinet/cli/src/deploy/devnetAccounts.js';
import { type Deployment, nodeRegistryAbi } from '@verinet/protocol/chain';
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getDeploymentChain } from '../chain/createChainClient.js';
import { killOnExit } from './killOnExit.js';

export type TestDevnet = {
  anvil: Anvil;
  deployment: Deployment;
  client: PublicClient;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  stop: () => Promise<void>;
};

export const testMinStake = 10n ** 18n;

export async function startTestDevnet(options: { blockTime?: number } = {}): Promise<TestDevnet> {
  buildContracts();
  const anvil = await startAnvil({ accounts: 20, blockTime: options.blockTime });
  killOnExit(anvil.process);
  try {
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      privateKey: getDevnetPrivateKey(0),
      minStake: testMinStake,
    });
    // Tests run one or two nodes per GPU bucket; the production default (4) refuses exact-match (LLM) tasks in
    // buckets that thin. The owner may lower it; only the tests do.
    await setTestMinExactBucket(anvil.rpcUrl, deployment);
    const client = createPublicClient({
      chain: getDeploymentChain(deployment, anvil.rpcUrl),
      cacheTime: 0,
      transport: http(anvil.rpcUrl),
    }) as PublicClient;
    const rpc = async (method: string, params: unknown[] = []) =>
      client.request({ method: method as never, params: params as never });
    return { anvil, deployment, client, rpc, stop: () => anvil.stop() };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

export function testWallet(devnet: TestDevnet, index: number) {
  const privateKey: Hex = getDevnetPrivateKey(index);
  const account = privateKeyToAccount(privateKey);
  const wallet = createWalletClient({
    account,
    chain: getDeploymentChain(devnet.deployment, devnet.anvil.rpcUrl),
    transport: http(devnet.anvil.rpcUrl),
  });
  return { privateKey, account, wallet };
}

export type RpcProxy = {
  url: string;
  mode: 'up' | 'down' | 'slow';
  slowMs: number;
  /** Every JSON-RPC method asked through the proxy, in order (a batch's items one by one). */
  methods: string[];
  /** How many times `method` was asked. */
  count: (method: string) => number;
  close: () => Promise<void>;
};

/**
 * An HTTP JSON-RPC proxy in front of `target`: `down` resets connections, `slow` delays answers; it records the
 * methods asked (`methods`, `count`).
 */
export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const proxy: RpcProxy = {
    url: '',
    mode: 'up',
    slowMs: 2_000,
    methods: [],
    count: (method) => proxy.methods.filter((m) => m === method).length,
    close: async () => {},
  };
  const server: Server = createServer(async (request, response) => {
    if (proxy.mode === 'down') {
      request.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as
        | { method?: string }
        | { method?: string }[];
      for (const item of Array.isArray(body) ? body : [body]) proxy.methods.push(String(item.method));
    } catch {
      proxy.methods.push('(unparsable)');
    }
    if (proxy.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, proxy.slowMs));
    try {
      const upstream = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      });
      response.writeHead(upstream.status, { 'content-type': 'application/json' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      request.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setTestMinExactBucket(rpcUrl: string, deployment: Deployment): Promise<void> {
  const account = privateKeyToAccount(getDevnetPrivateKey(0));
  const chain = getDeploymentChain(deployment, rpcUrl);
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const abi = nodeRegistryAbi as readonly { type: string; name?: string }[];
  if (!abi.some((item) => item.type === 'function' && item.name === 'setMinExactBucket')) return;
  const hash = await wallet.writeContract({
    address: deployment.contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'setMinExactBucket' as never,
    args: [1n] as never,
  });
  await client.waitForTransactionReceipt({ hash });
}

import type { Page } from 'playwright-core';
import { createPublicClient, createWalletClient, type Hex, http, type TypedDataDefinition } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export type InjectTestWalletParameters = { privateKey: Hex; chainId: number; rpcUrl: string };

/** Strings that stand for uint/int fields in a JSON typed-data message become bigints again. */
function reviveTypedData(raw: string): TypedDataDefinition {
  const data = JSON.parse(raw) as TypedDataDefinition & {
    types: Record<string, { name: string; type: string }[]>;
  };
  const { EIP712Domain: _domain, ...types } = data.types;
  const revive = (typeName: string, value: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of types[typeName] ?? []) {
      const v = value[field.name];
      if (/^u?int\d*$/.test(field.type)) out[field.name] = BigInt(v as string);
      else if (types[field.type] && v && typeof v === 'object')
        out[field.name] = revive(field.type, v as Record<string, unknown>);
      else out[field.name] = v;
    }
    return out;
  };
  const domain = { ...data.domain } as Record<string, unknown>;
  if (domain.chainId !== undefined) domain.chainId = Number(domain.chainId);
  return {
    domain,
    types,
    primaryType: data.primaryType,
    message: revive(data.primaryType as string, data.message as Record<string, unknown>),
  } as TypedDataDefinition;
}

export type TestWallet = {
  /** Methods the page called, in order. */
  calls: string[];
  /** Switches the wallet to another key, as a user picking another account: emits `accountsChanged`. */
  switchAccount(privateKey: Hex): Promise<void>;
  /**
   * Says the wallet is on another chain (emits `chainChanged`); the RPC stays the test chain's. While on a
   * foreign chain, `wallet_switchEthereumChain` is refused as a user would (4001) and transactions too.
   */
  switchChain(chainId: number): Promise<void>;
};

/**
 * Injects an EIP-1193 provider as window.ethereum into `page` (before any of its scripts run), as a wallet
 * extension does. Accounts, chain id and signatures come from a local key held by the test (Node side, through
 * a page binding); every other call goes to the chain's RPC. The page sees only the standard interface,
 * including the `accountsChanged` and `chainChanged` events.
 */
export async function injectTestWallet(
  page: Page,
  parameters: InjectTestWalletParameters,
): Promise<TestWallet> {
  let account = privateKeyToAccount(parameters.privateKey);
  let walletChainId = parameters.chainId;
  const transport = http(parameters.rpcUrl);
  const chain = {
    id: parameters.chainId,
    name: 'test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [parameters.rpcUrl] } },
  } as const;
  const walletFor = () => createWalletClient({ account, chain, transport });
  const client = createPublicClient({ chain, transport });
  const calls: string[] = [];
  await page.exposeFunction('__verinetTestWallet', async (method: string, paramsJson: string) => {
    calls.push(method);
    const params = JSON.parse(paramsJson) as unknown[];
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return JSON.stringify([account.address]);
      case 'eth_chainId':
        return JSON.stringify(`0x${walletChainId.toString(16)}`);
      case 'wallet_switchEthereumChain':
        // The test decides the chain: a request to switch is refused, as a user rejecting it.
        throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
      case 'eth_signTypedData_v4': {
        const [from, typed] = params as [string, string];
        if (from.toLowerCase() !== account.address.toLowerCase()) throw new Error(`unknown account ${from}`);
        return JSON.stringify(await account.signTypedData(reviveTypedData(typed)));
      }
      case 'eth_sendTransaction': {
        const [tx] = params as [{ to: Hex; data?: Hex; value?: Hex; gas?: Hex }];
        if (walletChainId !== parameters.chainId) throw new Error(`the wallet is on chain ${walletChainId}`);
        const hash = await walletFor().sendTransaction({
          to: tx.to,
          ...(tx.data ? { data: tx.data } : {}),
          ...(tx.value ? { value: BigInt(tx.value) } : {}),
          ...(tx.gas ? { gas: BigInt(tx.gas) } : {}),
        });
        return JSON.stringify(hash);
      }
      default:
        return JSON.stringify(await client.request({ method: method as never, params: params as never }));
    }
  });
  await page.addInitScript(`
    window.ethereum = {
      isVerinetTestWallet: true,
      listeners: {},
      async request({ method, params }) {
        const answer = await window.__verinetTestWallet(method, JSON.stringify(params ?? []));
        return JSON.parse(answer);
      },
      on(event, listener) {
        (this.listeners[event] ??= new Set()).add(listener);
        return this;
      },
      removeListener(event, listener) {
        this.listeners[event]?.delete(listener);
        return this;
      },
      emit(event, value) {
        for (const listener of [...(this.listeners[event] ?? [])]) listener(value);
      },
    };
  `);
  const emit = (event: string, value: unknown) =>
    page.evaluate(`window.ethereum.emit(${JSON.stringify(event)}, ${JSON.stringify(value)})`);
  return {
    calls,
    async switchAccount(privateKey) {
      account = privateKeyToAccount(privateKey);
      await emit('accountsChanged', [account.address]);
    },
    async switchChain(chainId) {
      walletChainId = chainId;
      await emit('chainChanged', `0x${chainId.toString(16)}`);
    },
  };
}

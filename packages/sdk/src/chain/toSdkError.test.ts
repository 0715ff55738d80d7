import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, createWalletClient, custom, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, getFreePort, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { ChainRequestError, ChainUnreachableError } from '../errors/index.js';
import { createChainAccess } from './createChainAccess.js';
import { toSdkError } from './toSdkError.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** anvil's first test account (its well-known default key). */
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');

/**
 * Two processes sending from one account (ten `verinet task run` on a devnet) race for its nonce. viem's short
 * message is "Transaction creation failed."; the retry line must say what the RPC said, in plain words.
 */
describe('toSdkError: an RPC refusing a transaction', () => {
  let anvil: Anvil;
  before(async () => {
    // Interval mining: the first transaction waits in the pool, as on the devnet.
    anvil = await startAnvil({ blockTime: 5 });
  }, setupTimeout);
  after(async () => {
    await anvil.stop();
  }, teardownTimeout);

  it('names the RPC reason and the likely nonce race, not viem\'s "Transaction creation failed."', async () => {
    const wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.rpcUrl) });
    await wallet.sendTransaction({ to: account.address, value: 1n, nonce: 0 });
    const refused = await wallet.sendTransaction({ to: account.address, value: 2n, nonce: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused, 'anvil refuses a second transaction with a pending nonce');
    const error = toSdkError(refused, 'createTask', account.address);
    assert.ok(error instanceof ChainRequestError);
    assert.equal(error.retryable, true);
    assert.equal(
      error.shortMessage,
      'createTask: the chain RPC refused the transaction (replacement transaction underpriced): another transaction from this account took its nonce (several processes sending from one account?)',
    );
    assert.doesNotMatch(error.shortMessage, /Transaction creation failed/);
  });
});

/**
 * The trial's chain that was down read "goingPrice: the chain RPC did not answer (HTTP request failed.)": no URL,
 * no way on. Real requests to a port nothing listens on, and to a name that never resolves.
 */
describe('toSdkError: a chain RPC that does not answer', () => {
  const fail = async (url: string) => {
    const client = createPublicClient({
      chain: foundry,
      transport: http(url, { retryCount: 0, timeout: 5_000 }),
    });
    return client.getChainId().then(
      () => assert.fail(`${url} answered`),
      (error: unknown) => toSdkError(error, 'goingPrice'),
    );
  };

  it('a local URL: names it and asks whether the devnet runs', async () => {
    const port = await getFreePort(); // closed again: nothing listens there
    const error = await fail(`http://127.0.0.1:${port}`);
    assert.ok(error instanceof ChainUnreachableError, String(error));
    assert.equal(
      error.shortMessage,
      `The chain at http://127.0.0.1:${port} does not answer: is the devnet (or your local chain) running? Start the devnet with \`npm start\`.`,
    );
    assert.deepEqual(
      [error.url, error.step, error.retryable, error.details],
      [`http://127.0.0.1:${port}`, 'goingPrice', true, []],
    );
  });

  it("another network: its origin only (a provider's path holds an API key) and a generic way on", async () => {
    const error = await fail('http://rpc.verinet.invalid/v3/secret-api-key');
    assert.ok(error instanceof ChainUnreachableError, String(error));
    assert.equal(
      error.shortMessage,
      'The chain at http://rpc.verinet.invalid does not answer: check the RPC URL and your connection to it, then try again.',
    );
    assert.doesNotMatch(error.shortMessage, /secret-api-key/);
  });

  it('a slow chain (no answer in time) is said to be slow, not stopped (review s11 finding 2)', async () => {
    // Accepts the request and never answers: an overloaded devnet, as far as the client can tell.
    const { createServer } = await import('node:http');
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = createPublicClient({
        chain: foundry,
        transport: http(`http://127.0.0.1:${port}`, { retryCount: 0, timeout: 300 }),
      });
      const error = await client.getChainId().then(
        () => assert.fail('answered'),
        (cause: unknown) => toSdkError(cause, 'goingPrice'),
      );
      assert.ok(
        error instanceof ChainRequestError && !(error instanceof ChainUnreachableError),
        String(error),
      );
      assert.equal(
        error.shortMessage,
        'goingPrice: the chain RPC did not answer in time: it is slow or overloaded (is the machine busy?); try again.',
      );
      assert.equal(error.retryable, true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/**
 * s9-cli report: the plain send took "nonce too low" for "already in the pool", so a write whose nonce a parallel
 * CLI on the same account took waited for a receipt that never comes. Real anvil (automine); the transport only
 * stages the race (the other process sends between our nonce read and our send) and the RPC's answers.
 */
describe('createChainAccess: a nonce taken by another process of the same account', () => {
  let anvil: Anvil;
  before(async () => {
    anvil = await startAnvil({});
  }, setupTimeout);
  after(async () => {
    await anvil.stop();
  }, teardownTimeout);

  const write = async (mode: 'race' | 'sync-timeout') => {
    const rpc = http(anvil.rpcUrl, { retryCount: 0 })({ chain: foundry, retryCount: 0 });
    const other = createWalletClient({ account, chain: foundry, transport: http(anvil.rpcUrl) });
    // Armed once the test read the starting count: the race hits the write's own nonce read.
    let armed = false;
    const transport = custom({
      async request({ method, params }) {
        if (method === 'eth_sendRawTransactionSync') {
          if (mode === 'race') throw Object.assign(new Error('Method not found'), { code: -32601 });
          // The RPC got the bytes (and mined them) but its synchronous wait timed out.
          await rpc.request({ method: 'eth_sendRawTransaction', params });
          throw new Error('request timed out');
        }
        const answer = await rpc.request({ method, params } as never);
        if (mode === 'race' && method === 'eth_getTransactionCount' && armed) {
          armed = false;
          await other.sendTransaction({ to: account.address, value: 1n, nonce: Number(answer) });
        }
        return answer;
      },
    });
    const access = createChainAccess({
      chain: {
        id: foundry.id,
        rpcUrl: anvil.rpcUrl,
        // An address without code: the call succeeds, the send path is what is tested.
        contracts: { taskManager: `0x${'11'.repeat(20)}`, nodeRegistry: `0x${'22'.repeat(20)}` },
      },
      account: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
      transport,
      pollIntervalMs: 50,
    });
    const before = await access.publicClient.getTransactionCount({ address: account.address });
    armed = true;
    let timer: NodeJS.Timeout | undefined;
    const receipt = await Promise.race([
      access.write({ functionName: 'settleDraws', args: [] }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no receipt within 15 s')), 15_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const after = await access.publicClient.getTransactionCount({ address: account.address });
    const sent = await access.publicClient.getTransaction({ hash: receipt.transactionHash });
    return { receipt, before, after, nonce: sent.nonce, to: sent.to };
  };

  it('signs again with a fresh nonce instead of waiting for a receipt that never comes', async () => {
    const { receipt, before, after, nonce, to } = await write('race');
    assert.equal(receipt.status, 'success');
    assert.equal(to, `0x${'11'.repeat(20)}`);
    assert.equal(
      nonce,
      before + 1,
      'the other process took `before`; ours was signed again with the next one',
    );
    assert.equal(after, before + 2);
  });

  it('takes "nonce too low" for its own transaction when the chain has its bytes (no second send)', async () => {
    const { receipt, before, after, nonce } = await write('sync-timeout');
    assert.equal(receipt.status, 'success');
    assert.equal(nonce, before);
    assert.equal(after, before + 1);
  });
});

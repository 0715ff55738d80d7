import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createAnvilStateSaver } from './createAnvilStateSaver.js';
import { AnvilStateSaveError, saveAnvilState } from './saveAnvilState.js';
import { getFreePort, startAnvil } from './startAnvil.js';

// anvil's first test account.
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const to = '0x000000000000000000000000000000000000dEaD';

async function sendEther(rpcUrl: string, count: number) {
  const chain = defineChain({
    id: 31337,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const client = createPublicClient({ transport: http(rpcUrl) });
  for (let i = 0; i < count; i++) {
    const hash = await wallet.sendTransaction({ to, value: parseEther('1') });
    // Bounded: a receipt that never comes fails here, not at the file's timeout.
    await client.waitForTransactionReceipt({ hash, pollingInterval: 5, timeout: 20_000 });
  }
  return client;
}

describe('saveAnvilState', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'verinet-anvil-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the chain so that a restart after kill -9 has every block up to the save, and anvil itself writes nothing', async () => {
    const stateFile = join(dir, 'killed.json');
    // A plain anvil: the fork's restarts are startAnvil.test's; this one is about the saves.
    const options = { chainId: 31337, hardfork: 'cancun', stateFile } as const;
    const first = await startAnvil(options);
    try {
      await sendEther(first.rpcUrl, 3);
      const saved = await saveAnvilState(first.rpcUrl, stateFile, { timeoutMs: 30_000 });
      assert.ok(saved.bytes > 0 && saved.bytes === statSync(stateFile).size);
      assert.equal(existsSync(`${stateFile}.saving`), false);
      await sendEther(first.rpcUrl, 2);
      // No final save: what a kill of the devnet and its chain leaves.
      const exited = new Promise((resolve) => first.process.once('exit', resolve));
      first.process.kill('SIGKILL');
      await exited;
    } finally {
      await first.stop();
    }
    const second = await startAnvil(options);
    try {
      const client = createPublicClient({ transport: http(second.rpcUrl) });
      assert.equal(await client.getBlockNumber(), 3n);
      assert.equal(await client.getBalance({ address: to }), parseEther('3'));
      await sendEther(second.rpcUrl, 1);
    } finally {
      // stop() saves the chain before stopping anvil.
      await second.stop();
    }
    const third = await startAnvil(options);
    try {
      const client = createPublicClient({ transport: http(third.rpcUrl) });
      assert.equal(await client.getBlockNumber(), 4n);
      assert.equal(await client.getBalance({ address: to }), parseEther('4'));
    } finally {
      await third.stop();
    }
  });

  it('keeps the previous file whole and leaves no temporary file when anvil does not answer', async () => {
    const stateFile = join(dir, 'kept.json');
    writeFileSync(stateFile, '{"previous":true}');
    const port = await getFreePort();
    await assert.rejects(
      saveAnvilState(`http://127.0.0.1:${port}`, stateFile, { timeoutMs: 5_000 }),
      (error: unknown) =>
        error instanceof AnvilStateSaveError &&
        error.shortMessage.startsWith(`The chain state could not be saved to ${stateFile}:`),
    );
    assert.equal(readFileSync(stateFile, 'utf8'), '{"previous":true}');
    assert.equal(existsSync(`${stateFile}.saving`), false);
  });

  it('createAnvilStateSaver saves periodically, skips a chain with no new block, and saves at stop', async () => {
    const anvil = await startAnvil({ chainId: 31337 });
    const stateFile = join(dir, 'periodic.json');
    const saver = createAnvilStateSaver({ rpcUrl: anvil.rpcUrl, file: stateFile, intervalMs: 150 });
    try {
      const waitFor = async (condition: () => boolean, what: string) => {
        const deadline = Date.now() + 20_000;
        while (!condition()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      await waitFor(() => existsSync(stateFile), 'the first save');
      const first = statSync(stateFile, { bigint: true }).mtimeNs;
      // Three intervals with no new block: no save.
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(statSync(stateFile, { bigint: true }).mtimeNs, first);
      await sendEther(anvil.rpcUrl, 1);
      await waitFor(() => statSync(stateFile, { bigint: true }).mtimeNs !== first, 'a save after a block');
      assert.equal(
        (JSON.parse(readFileSync(stateFile, 'utf8')) as { block: { number: string } }).block.number,
        '0x1',
      );
      await sendEther(anvil.rpcUrl, 1);
    } finally {
      await saver.stop();
      await anvil.stop();
    }
    assert.equal(
      (JSON.parse(readFileSync(stateFile, 'utf8')) as { block: { number: string } }).block.number,
      '0x2',
    );
  });
});

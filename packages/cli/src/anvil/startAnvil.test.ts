import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, http, parseEther, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AnvilStartError, startAnvil } from './startAnvil.js';

describe('startAnvil', () => {
  it('starts a chain on loopback that answers RPC, and stops it', async () => {
    const anvil = await startAnvil({ chainId: 4242 });
    try {
      assert.match(anvil.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      assert.equal(await client.getChainId(), 4242);
    } finally {
      await anvil.stop();
    }
    assert.notEqual(anvil.process.exitCode ?? anvil.process.signalCode, null);
  });

  it('fails with a typed error when the port is taken', async () => {
    const first = await startAnvil();
    try {
      await assert.rejects(startAnvil({ port: first.port, timeoutMs: 3000 }), AnvilStartError);
    } finally {
      await first.stop();
    }
  });

  it('forkIdleBase: a fork of an idle anvil (no state root) keeps blocks, hashes and balances across a restart, and stops with its base', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verinet-fork-'));
    const stateFile = join(dir, 'chain.json');
    // anvil's first test account.
    const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
    const to = '0x000000000000000000000000000000000000dEaD';
    const options = { chainId: 31337, hardfork: 'cancun', stateFile, forkIdleBase: true } as const;
    try {
      const first = await startAnvil(options);
      let hash: `0x${string}`;
      try {
        assert.ok(first.baseProcess?.pid, 'a base anvil runs beside the chain');
        const wallet = createWalletClient({ account, transport: http(first.rpcUrl) });
        const client = createPublicClient({ transport: http(first.rpcUrl) });
        const chain = defineChain({
          id: 31337,
          name: 'anvil',
          nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
          rpcUrls: { default: { http: [first.rpcUrl] } },
        });
        for (let i = 0; i < 3; i++) {
          const tx = await wallet.sendTransaction({ chain, to, value: parseEther('1') });
          await client.waitForTransactionReceipt({ hash: tx, pollingInterval: 5 });
        }
        const block = await client.getBlock({ blockNumber: 2n });
        hash = block.hash;
        // The fork's blocks carry the clock's time, not its base genesis's (2023) plus the time since (s15).
        const latest = await client.getBlock();
        assert.ok(
          Math.abs(Number(latest.timestamp) - Date.now() / 1000) < 60,
          `the latest block's time ${latest.timestamp} is within a minute of the clock`,
        );
        // What makes it flat: the fork computes no state root.
        assert.equal(block.stateRoot, zeroHash);
      } finally {
        await first.stop();
      }
      assert.notEqual(first.baseProcess?.exitCode ?? first.baseProcess?.signalCode, null, 'base stopped');

      // A new second: an unfixed base genesis would carry another timestamp, so another block 0 hash.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await startAnvil(options);
      try {
        const client = createPublicClient({ transport: http(second.rpcUrl) });
        assert.equal(await client.getBlockNumber(), 3n);
        assert.equal((await client.getBlock({ blockNumber: 2n })).hash, hash);
        // Reloaded a second later: the next block continues the saved chain's time (so near the clock here), not before it.
        await client.request({ method: 'evm_mine' as never, params: [] as never });
        const next = await client.getBlock();
        assert.ok(Math.abs(Number(next.timestamp) - Date.now() / 1000) < 60, `${next.timestamp}`);
        assert.ok(next.timestamp >= (await client.getBlock({ blockNumber: 3n })).timestamp);
        // Block 0 comes from the new base: the same genesis, so the chain still links up (review s10 finding 2).
        assert.equal(
          (await client.getBlock({ blockNumber: 1n })).parentHash,
          (await client.getBlock({ blockNumber: 0n })).hash,
        );
        assert.equal(await client.getBalance({ address: to }), parseEther('3'));
        assert.equal(await client.getTransactionCount({ address: account.address }), 3);
        // The chain stops when its base does (it could not serve reads it has not cached).
        const exited = new Promise((resolve) => second.process.once('exit', resolve));
        second.baseProcess?.kill('SIGKILL');
        await exited;
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loadState: starts from a saved chain and writes nothing back, so the next start finds the same chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verinet-load-state-'));
    const stateFile = join(dir, 'chain.json');
    const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
    const to = '0x000000000000000000000000000000000000dEaD';
    const chain = (rpcUrl: string) =>
      defineChain({
        id: 31337,
        name: 'anvil',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } },
      });
    const send = async (rpcUrl: string) => {
      const wallet = createWalletClient({ account, transport: http(rpcUrl) });
      const client = createPublicClient({ transport: http(rpcUrl) });
      const hash = await wallet.sendTransaction({ chain: chain(rpcUrl), to, value: parseEther('1') });
      await client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
      return client;
    };
    try {
      const saved = await startAnvil({ hardfork: 'cancun', stateFile, forkIdleBase: true });
      try {
        await send(saved.rpcUrl);
        await send(saved.rpcUrl);
      } finally {
        await saved.stop();
      }
      const bytes = readFileSync(stateFile);
      for (let start = 0; start < 2; start++) {
        const copy = await startAnvil({ hardfork: 'cancun', loadState: stateFile, forkIdleBase: true });
        try {
          const client = createPublicClient({ transport: http(copy.rpcUrl) });
          assert.equal(
            await client.getBlockNumber(),
            2n,
            `start ${start}: the saved chain, not the last copy's`,
          );
          await send(copy.rpcUrl);
          assert.equal(await client.getBalance({ address: to }), parseEther('3'));
        } finally {
          await copy.stop();
        }
        assert.deepEqual(readFileSync(stateFile), bytes, 'the file is left as it was');
      }
      await assert.rejects(startAnvil({ stateFile, loadState: stateFile }), AnvilStartError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

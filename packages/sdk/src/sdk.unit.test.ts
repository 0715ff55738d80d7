import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { getPixelsPHash, getTextScore } from '@verinet/protocol/score/browser';
import { build } from 'esbuild';
import { encode } from 'fast-png';
import { type Address, bytesToHex, type Hex } from 'viem';
import { decideDrawSettlement, getRoundFloor } from './actions/waitForReport.js';
import { discoverLlmBucket, joinedRescanBlocks } from './chain/discoverLlmBucket.js';
import { getGasLimit, isOutOfGas } from './chain/getGasLimit.js';
import { joinChainCache } from './chain/joinChainCache.js';
import { chooseDefaultFee } from './chain/reads.js';
import { createClient } from './client/createClient.js';
import { ConfigurationError, InvalidTaskArgumentsError, ResultVerificationError } from './errors/index.js';
import { toLlmTaskArgs } from './high/createChatCompletion.js';
import { createMemoryStore } from './store/createMemoryStore.js';
import { createSqliteStore } from './store/createSqliteStore.js';
import type { TaskRecord } from './types.js';
import { decodePng } from './verify/decodePng.js';
import { verifyResult } from './verify/verifyResult.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const dir = mkdtempSync(join(tmpdir(), 'verinet-sdk-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
const taskKey = `0x${'11'.repeat(32)}` as Hex;
const hex = (bytes: Uint8Array) => bytesToHex(bytes);

/** A deterministic 64×64 RGB PNG (a gradient with a seed-dependent pattern). */
function makePng(seed: number): Uint8Array {
  const data = new Uint8Array(64 * 64 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * (seed + 3) + (i >> 7) * seed * 31) & 0xff;
  return encode({ width: 64, height: 64, data, channels: 3, depth: 8 });
}

const sdArgs = new TextEncoder().encode(
  '{"base_model":"verinet/tiny-sd","prompt":"a cat","task_config":{"image_height":64,"image_width":64,"num_images":2}}',
);

async function imageCase(files: Uint8Array[]) {
  const score = new Uint8Array(16);
  for (const [i, png] of [makePng(1), makePng(2)].entries())
    score.set(getPixelsPHash(await decodePng(png, i)), i * 8);
  const named = files.map((bytes, i) => ({ name: `${i}.png`, bytes }));
  return {
    taskType: 'sd' as const,
    taskKey,
    score: hex(score),
    args: sdArgs,
    manifest: {
      taskKey,
      score: hex(score),
      files: named.map((f) => ({ name: f.name, size: f.bytes.length, sha256: hex(sha256(f.bytes)) })),
    },
    files: named,
    decodeImage: decodePng,
  };
}

describe('verifyResult: every byte against the on-chain score', () => {
  it('accepts the images whose pHashes are the score', async () => {
    await verifyResult(await imageCase([makePng(1), makePng(2)]));
  });

  it('refuses an altered image even when the relay lists its sha256', async () => {
    const parameters = await imageCase([makePng(1), makePng(9)]);
    await assert.rejects(verifyResult(parameters), (error: unknown) => {
      assert.ok(error instanceof ResultVerificationError);
      assert.match(error.message, /the bytes score 0x[0-9a-f]{32}, the chain recorded/);
      return true;
    });
  });

  it('refuses a file whose bytes are not the listed sha256, a missing image, a foreign score', async () => {
    const good = await imageCase([makePng(1), makePng(2)]);
    const swapped = { ...good, files: [good.files[0]!, { name: '1.png', bytes: makePng(3) }] };
    await assert.rejects(verifyResult(swapped), /1\.png hashes to/);
    await assert.rejects(
      verifyResult({ ...good, files: good.files.slice(0, 1) }),
      /expected files 0\.png, 1\.png/,
    );
    const foreign = { ...good, manifest: { ...good.manifest, score: `0x${'00'.repeat(16)}` as Hex } };
    await assert.rejects(verifyResult(foreign), /the relay lists score/);
  });

  it('refuses an image of another size than the arguments ask for, before decoding it', async () => {
    const big = encode({ width: 72, height: 64, data: new Uint8Array(72 * 64 * 3), channels: 3, depth: 8 });
    const parameters = await imageCase([makePng(1), big]);
    await assert.rejects(verifyResult(parameters), /1\.png is 72×64, the arguments ask for 64×64/);
  });

  it('refuses a PNG that is not 8-bit RGB (a result the relay would never have accepted)', async () => {
    const grey = encode({ width: 8, height: 8, data: new Uint8Array(64), channels: 1, depth: 8 });
    await assert.rejects(decodePng(grey, 0), /not an 8-bit RGB PNG/);
  });

  it('checks chat text by sha256', async () => {
    const text = new TextEncoder().encode('{"choices":[]}');
    const score = hex(getTextScore(text));
    const base = {
      taskType: 'llm' as const,
      taskKey,
      score,
      args: new TextEncoder().encode('{}'),
      manifest: {
        taskKey,
        score,
        files: [{ name: 'result.json', size: text.length, sha256: hex(sha256(text)) }],
      },
      files: [{ name: 'result.json', bytes: text }],
      decodeImage: decodePng,
    };
    await verifyResult(base);
    const other = new TextEncoder().encode('{"choices":[1]}');
    const forged = {
      ...base,
      manifest: {
        ...base.manifest,
        files: [{ name: 'result.json', size: other.length, sha256: hex(sha256(other)) }],
      },
      files: [{ name: 'result.json', bytes: other }],
    };
    await assert.rejects(verifyResult(forged), ResultVerificationError);
    // Without the relay's manifest: the bytes against the chain's score alone, the forged ones still refused.
    await verifyResult({ ...base, manifest: undefined });
    await assert.rejects(verifyResult({ ...forged, manifest: undefined }), /the bytes score 0x[0-9a-f]{64}/);
    await assert.rejects(
      verifyResult({ ...base, files: [], manifest: undefined }),
      /expected files result\.json/,
    );
  });

  it('refuses images without the relay manifest', async () => {
    const parameters = await imageCase([makePng(1), makePng(2)]);
    await assert.rejects(verifyResult({ ...parameters, manifest: undefined }), /no manifest/);
  });
});

describe('arguments and options', () => {
  const chain = {
    id: 31337,
    rpcUrl: 'http://127.0.0.1:1',
    contracts: { taskManager: `0x${'22'.repeat(20)}`, nodeRegistry: `0x${'33'.repeat(20)}` },
  } as const;
  const key = `0x${'44'.repeat(32)}` as Hex;

  it('maps OpenAI conveniences into generation_config and refuses a field given twice', () => {
    assert.deepEqual(
      toLlmTaskArgs({ model: 'm', messages: [], max_tokens: 5, stop: 'x', temperature: 0.5 }),
      {
        model: 'm',
        messages: [],
        generation_config: { max_new_tokens: 5, stop_strings: ['x'], temperature: 0.5 },
      },
    );
    assert.throws(
      () =>
        toLlmTaskArgs({ model: 'm', messages: [], max_tokens: 5, generation_config: { max_new_tokens: 3 } }),
      /max_tokens: also set as generation_config.max_new_tokens/,
    );
  });

  it('gas limits allow for more draws than estimated, and for every draw on the retry after running out of gas', () => {
    // validateSingleTask estimated at 72,922 with no draw pending ran out at 209,383 in the ceiling run.
    assert.ok(getGasLimit('validateSingleTask', 72_922n) >= 72_922n + 4n * 69_000n);
    // Review s7: 32 draws that all miss and queue cost 3,358,884 gas in forge (one app can fill the ring with
    // them and cancel for a refund); a settle-all call's retry bound must cover them.
    assert.ok(getGasLimit('validateSingleTask', 72_922n, { full: true }) >= 72_922n + 3_358_884n);
    assert.ok(getGasLimit('createTask', 120_000n) >= 120_000n + 2n * 69_000n);
    // Calls that settle nothing keep the plain headroom.
    assert.equal(getGasLimit('withdraw', 40_000n, { full: true }), 160_000n);
    assert.ok(isOutOfGas(209_265n, 209_383n));
    assert.ok(!isOutOfGas(150_000n, 209_383n));
  });

  it('refuses bad client options with a ConfigurationError naming the fix', () => {
    assert.throws(() => createClient({ chain, relay: 'ftp://x', account: key }), ConfigurationError);
    assert.throws(() => createClient({ chain, relay: 'http://x', account: '0x12' }), /private key/);
    assert.throws(
      () => createClient({ chain: {} as never, relay: 'http://x', account: key }),
      /chain must be/,
    );
    assert.throws(
      () => createClient({ chain, relay: 'http://x', account: key, maxGroupReplacements: -1 }),
      /maxGroupReplacements must be a whole number/,
    );
    assert.throws(
      () => createClient({ chain, relay: 'http://x', account: key, maxDefaultFee: 0n }),
      /maxDefaultFee must be a positive bigint/,
    );
  });

  it("settleDraws for a Pending draw: decided on its draw block (a redraw's dispatch block), not its creation block", () => {
    // Review s7 finding 3: a task created at block 10, queued, and redrawn at block 30 waits on block 30's hash.
    // At head 30 nobody could have drawn it yet: the app must not pay its own settleDraws at once.
    assert.equal(decideDrawSettlement({ head: 30n, drawBlock: 30n, busy: true }), 'wait');
    assert.equal(decideDrawSettlement({ head: 30n, drawBlock: 30n, busy: undefined }), 'grace');
    // A block after the draw block left it Pending: nobody settled it, the app does.
    assert.equal(decideDrawSettlement({ head: 31n, drawBlock: 30n, busy: true }), 'settle');
    // A quiet chain (no write of this process under way, no foreign block lately): at once, no grace.
    assert.equal(decideDrawSettlement({ head: 30n, drawBlock: 30n, busy: false }), 'settle');
    assert.equal(decideDrawSettlement({ head: undefined, drawBlock: 30n, busy: true }), 'settle');
  });

  it('chain values: the clients of a process on one RPC and TaskManager share one cache until the last leaves', () => {
    const first = joinChainCache('http://127.0.0.1:1|0xabc');
    const second = joinChainCache('http://127.0.0.1:1|0xabc');
    const elsewhere = joinChainCache('http://127.0.0.1:2|0xabc');
    const own = joinChainCache(undefined);
    first.cache.set('samplingDenominator', 2n);
    assert.equal(second.cache.get('samplingDenominator'), 2n);
    assert.equal(elsewhere.cache.get('samplingDenominator'), undefined);
    assert.equal(own.cache.get('samplingDenominator'), undefined);
    first.release();
    first.release();
    const third = joinChainCache('http://127.0.0.1:1|0xabc');
    assert.equal(third.cache, second.cache, 'still shared while used');
    second.release();
    third.release();
    assert.notEqual(joinChainCache('http://127.0.0.1:1|0xabc').cache, second.cache, 'dropped by the last');
  });

  it("a round of state reads covers the lowest floor taken before its members' last reads", () => {
    // A member re-read after the app's own settlement (receipt of block 31) covers 31; one read at 29 holds the
    // round at 29 (a log of 30 or 31 for it must still wake the next sleep).
    assert.equal(getRoundFloor(new Map([['a', 31n]])), 31n);
    assert.equal(
      getRoundFloor(
        new Map([
          ['a', 31n],
          ['b', 29n],
        ]),
      ),
      29n,
    );
    // A read without a floor (the feed not live) or no read at all: nothing is marked seen.
    assert.equal(
      getRoundFloor(
        new Map([
          ['a', 31n],
          ['b', undefined],
        ]),
      ),
      undefined,
    );
    assert.equal(getRoundFloor(new Map()), undefined);
  });

  it('default fee: the going price within [minFee, maxDefaultFee (10 × minFee unless set)]', () => {
    const gwei = 10n ** 9n;
    const choose = (goingPrice: bigint, maxDefaultFee?: bigint) =>
      chooseDefaultFee({ goingPrice, minFee: gwei, maxDefaultFee });
    assert.equal(choose(0n), gwei); // a new chain
    assert.equal(choose(3n * gwei), 3n * gwei);
    // A going price dragged up (review 2026-11-29: an app paying its own nodes) is not followed past the cap.
    assert.equal(choose(2n * 10n ** 18n), 10n * gwei);
    assert.equal(choose(2n * 10n ** 18n, 50n * gwei), 50n * gwei);
    assert.equal(choose(5n * gwei, 2n), gwei); // a cap below minFee: the chain refuses less than minFee
  });

  it('refuses invalid task arguments before anything is stored or sent', async () => {
    const store = createMemoryStore();
    const client = createClient({ chain, relay: 'http://127.0.0.1:1', account: key, store, fee: 1n });
    await assert.rejects(
      client.prepareTask({ type: 'sd', args: { base_model: 'verinet/tiny-sd', prompt: 7 } }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidTaskArgumentsError);
        assert.ok(
          error.issues.some((issue) => issue.startsWith('prompt')),
          error.issues.join('; '),
        );
        return true;
      },
    );
    await assert.rejects(
      client.prepareTask({
        type: 'sd',
        args: { base_model: 'verinet/tiny-sd', prompt: 'a' },
        requirements: { gpu: 'X' },
      }),
      /Image tasks run on any GPU/,
    );
    assert.deepEqual(await store.listTasks(), []);
    // A valid SD task is prepared without touching the chain (fee given), with its secrets persisted.
    const record = await client.prepareTask({
      type: 'sd',
      args: { base_model: 'verinet/tiny-sd', prompt: 'a' },
    });
    assert.equal(record.members[0]?.fee, '1');
    assert.equal((await store.getTask(record.id))?.guid, record.guid);
  });

  it('checkArgs refuses a task before it is stored or paid, with its message; it sees the parsed arguments', async () => {
    const store = createMemoryStore();
    const seen: unknown[] = [];
    const client = createClient({
      chain,
      relay: 'http://127.0.0.1:1',
      account: key,
      store,
      fee: 1n,
      checkArgs: ({ type, args }) => {
        seen.push(args);
        if (type === 'llm') throw new Error('the prompt is 900 tokens; the model takes at most 511');
      },
    });
    await assert.rejects(
      client.prepareTask({
        type: 'llm',
        args: { model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'hi' }] },
        requirements: { gpu: 'G' },
      }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidTaskArgumentsError);
        assert.deepEqual(error.issues, ['the prompt is 900 tokens; the model takes at most 511']);
        assert.match(error.message, /nothing was sent or paid/);
        return true;
      },
    );
    assert.deepEqual(await store.listTasks(), []);
    // The schema's defaults are filled in before the check (what a node will run).
    assert.equal((seen[0] as { version?: string }).version, '1.0.0');
    await client.prepareTask({ type: 'sd', args: { base_model: 'verinet/tiny-sd', prompt: 'a' } });
    assert.equal((await store.listTasks()).length, 1);
  });
});

describe('stores', () => {
  const record = (id: string, phase: TaskRecord['phase'], createdAt: number): TaskRecord => ({
    v: 1,
    id,
    taskType: 'llm',
    args: '0x7b7d',
    argsHash: `0x${'00'.repeat(32)}`,
    request: {
      modelIds: [],
      minVram: 8,
      requiredGpu: `0x${'00'.repeat(32)}`,
      version: '4294967296',
      gpu: 'g',
    },
    guid: `0x${'01'.repeat(32)}`,
    phase,
    members: [],
    previous: [],
    resubmits: 0,
    createdAt,
    updatedAt: createdAt,
  });

  for (const [name, open] of [
    ['memory', () => createMemoryStore()],
    ['sqlite', () => createSqliteStore({ path: join(dir, 'store.db') })],
  ] as const) {
    it(`${name}: upserts, lists oldest first, filters active tasks, keeps values`, async () => {
      const store = open();
      await store.putTask(record('b', 'running', 2));
      await store.putTask(record('a', 'done', 1));
      await store.putTask({ ...record('b', 'downloading', 2) });
      assert.deepEqual(
        (await store.listTasks()).map((r) => r.id),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await store.listTasks({ active: true })).map((r) => [r.id, r.phase]),
        [['b', 'downloading']],
      );
      await store.setValue('k', 'v1');
      await store.setValue('k', 'v2');
      assert.equal(await store.getValue('k'), 'v2');
      const copy = await store.getTask('b');
      copy!.phase = 'failed';
      assert.equal((await store.getTask('b'))?.phase, 'downloading', 'a returned record is a copy');
      await store.close();
    });
  }

  it('sqlite: a reopened file has everything (the restart path)', async () => {
    const store = createSqliteStore({ path: join(dir, 'store.db') });
    assert.equal((await store.getTask('b'))?.phase, 'downloading');
    assert.equal(await store.getValue('k'), 'v2');
    await store.close();
  });
});

describe('browser safety', () => {
  it('the core bundles for the browser: no Node built-ins, no sharp, no better-sqlite3', async () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(
      !inputs.some((path) => /node_modules\/(sharp|better-sqlite3)\//.test(path)),
      'no native modules',
    );
    assert.ok(!inputs.some((path) => path.startsWith('node:')), 'no Node built-ins');
  });
});

describe('discoverLlmBucket: NodeJoined scanned once, then only new blocks', () => {
  it('reads the deployment block to the head once, then from the last head less the re-scan window; calls at once share one scan', async () => {
    // A chain double answering what the SDK reads (the logs of a range, the head, a bucket's population); the
    // real path (anvil, registry) runs in sdk.e2e's LLM tasks, which name no GPU.
    const ranges: [bigint, bigint][] = [];
    let head = 1_000n;
    let joins = [{ gpuName: 'A', version: 1n << 32n, block: 10n }];
    const population = new Map<string, bigint>([['A', 1n]]);
    const client = {
      getBlockNumber: async () => head,
      getContractEvents: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
        ranges.push([fromBlock, toBlock]);
        await new Promise((r) => setTimeout(r, 5));
        return joins
          .filter((join) => join.block >= fromBlock && join.block <= toBlock)
          .map((join) => ({ args: { gpuName: join.gpuName, version: join.version } }));
      },
      readContract: async ({ args }: { args: readonly unknown[] }) => {
        for (const [gpu, count] of population) if (args[0] === keccakOf(gpu)) return count;
        return 0n;
      },
    };
    const { keccak256, stringToHex } = await import('viem');
    const keccakOf = (gpu: string) => keccak256(stringToHex(gpu));
    const context = {
      access: {
        publicClient: client,
        chain: {
          contracts: { nodeRegistry: '0x00000000000000000000000000000000000000aa' as Address },
          startBlock: 5,
        },
      },
    } as never;
    const parameters = { argsVersion: '1.0.0', minVram: 8 };
    const [first, second] = await Promise.all([
      discoverLlmBucket(context, parameters),
      discoverLlmBucket(context, parameters),
    ]);
    assert.deepEqual(ranges, [[5n, 1_000n]], 'two calls at once: one scan from the deployment block');
    assert.equal(first.gpu, 'A');
    assert.equal(second.gpu, 'A');
    // A node of another GPU joins later, in more numbers: found by a scan of the new blocks only.
    head = 1_500n;
    joins = [...joins, { gpuName: 'B', version: 1n << 32n, block: 1_200n }];
    population.set('B', 3n);
    assert.equal((await discoverLlmBucket(context, parameters)).gpu, 'B');
    assert.deepEqual(ranges[1], [1_001n - joinedRescanBlocks, 1_500n]);
    // A join in a block replaced by a shallow reorg (behind the head the last scan saw) is still found.
    joins = [...joins, { gpuName: 'C', version: 1n << 32n, block: 1_490n }];
    population.set('C', 9n);
    head = 1_501n;
    assert.equal((await discoverLlmBucket(context, parameters)).gpu, 'C');
    assert.deepEqual(ranges[2], [1_501n - joinedRescanBlocks, 1_501n]);
  });
});

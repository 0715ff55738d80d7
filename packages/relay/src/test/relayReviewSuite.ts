import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizeJson, encodeTaskArgs, getArgsHash } from '@verinet/protocol/args';
import { createSalt, getArgsCommitment } from '@verinet/protocol/commitment';
import { argsAvailableTypes, hashRelayBody, signRelayRequest } from '@verinet/protocol/relay';
import {
  createPublicClient,
  custom,
  type Hex,
  type LocalAccount,
  type PublicClient,
  verifyTypedData,
} from 'viem';
import { followDepth } from '../chain/createChainReader.js';
import { createPHashPool } from '../results/createPHashPool.js';
import { runRetention } from '../retention/runRetention.js';
import {
  type ChainFixture,
  createFixtureChainReader,
  createFixtureTask,
  type FixtureTask,
  isSampled,
  prepareArgs,
  sdArgs,
  setSamplingDenominator,
  submitScore,
  unknownTaskKey,
  validateGroup,
  validateSingle,
} from './chainFixture.js';
import {
  createTestClient,
  createTestRelay,
  errorCode,
  type RelayRequest,
  type StorageFactory,
  type TestRelay,
  testTimeout,
} from './relayHarness.js';
import { makeSdResult } from './resultFiles.js';

export type ReviewEnv = {
  skip: string | false;
  factory: StorageFactory;
  fixture: ChainFixture;
  relay: TestRelay;
  call: RelayRequest;
};

/** Arbitrary JSON as canonical bytes with a fresh salt and its commitment (no schema check on the way). */
function prepareRaw(value: unknown): { bytes: Uint8Array; salt: Hex; argsCommitment: Hex } {
  const bytes = new TextEncoder().encode(canonicalizeJson(value));
  const salt = createSalt();
  return { bytes, salt, argsCommitment: getArgsCommitment(getArgsHash(bytes), salt).toLowerCase() as Hex };
}

/** Every object a storage holds (the orphan listing with a cut-off in the future). */
async function listAllObjects(relay: TestRelay): Promise<string[]> {
  return relay.context.storage.objects.listOlderThan(-60_000, 100_000);
}

/** Longest wait for one answer of anvil through {@link createAnvilClient}: a lost answer fails by name. */
const anvilAnswerMs = 15_000;

/**
 * A viem client over the fixture's anvil through a transport the test controls: `before` sees each request first
 * (to count it, refuse it or hold it back). No batching, and every request bounded (fetch has no limit of its own
 * but undici's 300 s).
 */
function createAnvilClient(
  rpcUrl: string,
  before: (method: string, params: unknown) => Promise<void> | void = () => {},
): PublicClient {
  return createPublicClient({
    transport: custom({
      async request({ method, params }) {
        await before(method, params);
        const response = await fetch(rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
          signal: AbortSignal.timeout(anvilAnswerMs),
        });
        const json = (await response.json()) as { result?: unknown; error?: { message: string } };
        if (json.error) throw new Error(json.error.message);
        return json.result;
      },
    }),
  }) as PublicClient;
}

/**
 * Tests of the adversarial review's findings (issue 8): each fails on the code before its fix. They share the
 * relay suite's chain fixture and run on both backends.
 */
export function runRelayReviewTests(env: () => ReviewEnv): void {
  const app = () => env().fixture.actors.app.account;
  const stranger = () => env().fixture.stranger.account;
  const putArgs = (
    call: RelayRequest,
    prepared: { argsCommitment: Hex; salt: Hex; bytes: Uint8Array },
    taskType = 'sd',
    account = app(),
  ) =>
    call(account, 'PUT', `/v1/args/${prepared.argsCommitment}?salt=${prepared.salt}&taskType=${taskType}`, {
      body: prepared.bytes,
    });

  describe('review: arguments nodes would not run are never attested', testTimeout, () => {
    it('refuses a newer task version, a task type without a backend and a model nobody holds, storing nothing', async (t) => {
      const { skip, relay, call } = env();
      if (skip) return t.skip(skip);
      type Prepared = { argsCommitment: Hex; salt: Hex; bytes: Uint8Array };
      const cases: [string, Prepared, string, string, RegExp][] = [
        [
          'a newer minor version with a field this schema does not know',
          prepareRaw({ ...sdArgs(), version: '1.99.0', future_field: true }),
          'sd',
          'ARGS_UNSUPPORTED',
          /version 1\.99\.0/,
        ],
        [
          'a newer minor version of an LLM task',
          prepareRaw({
            version: '1.5.0',
            model: 'verinet/tiny-gpt2',
            messages: [{ role: 'user', content: 'hi' }],
          }),
          'llm',
          'ARGS_UNSUPPORTED',
          /version 1\.5\.0/,
        ],
        [
          'sd_ft (schema-valid, no backend)',
          (() => {
            const { bytes } = encodeTaskArgs('sd_ft', {
              model: { name: 'runwayml/stable-diffusion-v1-5' },
              dataset: { name: 'lambdalabs/naruto-blip-captions' },
              validation: { prompt: 'a ninja' },
            });
            const salt = createSalt();
            return { bytes, salt, argsCommitment: getArgsCommitment(getArgsHash(bytes), salt) };
          })(),
          'sd_ft',
          'ARGS_UNSUPPORTED',
          /sd_ft/,
        ],
        [
          'a model no registered node declares',
          prepareArgs('sd', { ...sdArgs(), base_model: 'nobody/holds-this-model' }),
          'sd',
          'MODEL_UNAVAILABLE',
          /nobody\/holds-this-model/,
        ],
      ];
      for (const [label, prepared, taskType, code, message] of cases) {
        const response = await putArgs(call, prepared, taskType);
        assert.equal(response.statusCode, 422, `${label}: ${response.body}`);
        assert.equal(errorCode(response), code, label);
        assert.match(JSON.parse(response.body).error.message, message, label);
        assert.equal(await relay.context.storage.meta.getArgs(prepared.argsCommitment), undefined, label);
      }
      // What nodes run or report is still held: a runnable LLM task, and LoRA in a 1.0.0 task (reported on chain).
      assert.equal((await putArgs(call, prepareArgs('llm'), 'llm')).statusCode, 201);
      const adapter = prepareRaw({ ...sdArgs(), textual_inversion: 'sd-concepts-library/cat-toy' });
      const held = await putArgs(call, adapter);
      assert.equal(held.statusCode, 201, held.body);
    });
  });

  describe('review: pending uploads are bounded', testTimeout, () => {
    it('per address (atomically under concurrent uploads), in a pool for addresses without a task, and in total', async (t) => {
      const { skip, factory, fixture } = env();
      if (skip) return t.skip(skip);
      const size = prepareArgs('sd').bytes.length; // every default sd upload has this size (salts differ)
      const quotaRelay = await createTestRelay(fixture, await factory.create({ isolated: true }), {
        config: {
          limits: {
            requestsPerMinute: 1_000_000,
            pendingArgsPerNewCreator: 2,
            pendingArgsBytesNewCreators: size * 3 + 10,
            pendingArgsPerCreator: 4,
            pendingArgsBytesTotal: size * 6 + 10,
          },
        },
      });
      try {
        const call = createTestClient(quotaRelay);
        const message = (answer: { body: string }) => JSON.parse(answer.body).error.message as string;
        // The app has no task this relay knows yet: a new address, with the new-address limits.
        const uploads = Array.from({ length: 6 }, () => prepareArgs('sd'));
        const answers = await Promise.all(uploads.map((p) => putArgs(call, p)));
        const statuses = answers.map((a) => a.statusCode).sort();
        assert.deepEqual(statuses, [201, 201, 429, 429, 429, 429], 'exactly the quota, even in parallel');
        const refused = answers.find((a) => a.statusCode === 429)!;
        assert.equal(errorCode(refused), 'ARGS_QUOTA_EXCEEDED');
        assert.ok(refused.headers['retry-after']);
        assert.match(
          message(refused),
          /no task of it seen yet\) already holds 2 pending uploads \(limit 2\)/,
        );
        assert.equal((await listAllObjects(quotaRelay)).length, 2, 'refused uploads leave no object behind');
        const held = uploads.filter((_, i) => answers[i]!.statusCode === 201);
        assert.equal((await putArgs(call, held[0]!)).statusCode, 200, 'a retry is not a new upload');

        // Once its task exists (linked when the node downloads), that upload no longer counts and the app is
        // established: the full per-address limits, outside the new addresses' pool.
        const task = await createFixtureTask(fixture, { prepared: held[0]! });
        assert.equal(
          (await call(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`)).statusCode,
          200,
        );
        assert.equal((await putArgs(call, prepareArgs('sd'))).statusCode, 201, 'a third pending upload');

        // Fresh keys fill the new addresses' pool (3 uploads), never the established app's room.
        const fresh = [stranger(), env().fixture.actors.nodes[1]!.account];
        assert.equal((await putArgs(call, prepareArgs('sd'), 'sd', fresh[0])).statusCode, 201);
        assert.equal((await putArgs(call, prepareArgs('sd'), 'sd', fresh[0])).statusCode, 201);
        assert.equal((await putArgs(call, prepareArgs('sd'), 'sd', fresh[1])).statusCode, 201);
        const pool = await putArgs(call, prepareArgs('sd'), 'sd', fresh[1]);
        assert.equal(pool.statusCode, 429, pool.body);
        assert.match(message(pool), /Addresses without a task hold \d+ pending bytes together/);
        assert.equal((await putArgs(call, prepareArgs('sd'))).statusCode, 201, 'the app still uploads');

        // The total bounds everything.
        const total = await putArgs(call, prepareArgs('sd'));
        assert.equal(total.statusCode, 429, total.body);
        assert.match(message(total), /The relay holds \d+ pending bytes/);
      } finally {
        await quotaRelay.close();
      }
    });
  });

  describe('review: statements and retention', testTimeout, () => {
    it('re-upload refreshes a stale statement; retention deletes expired, retired and orphaned data, never live data', async (t) => {
      const { skip, factory, fixture } = env();
      if (skip) return t.skip(skip);
      const clock = { now: Math.floor(Date.now() / 1000) };
      const retentionRelay = await createTestRelay(fixture, await factory.create({ isolated: true }), {
        now: () => clock.now,
      });
      const { context } = retentionRelay;
      const { meta, objects } = context.storage;
      const { argsExpirySeconds, graceSeconds, terminalSeconds } = context.config.retention;
      const signed = createTestClient(retentionRelay);
      // Requests are signed at the relay's (test) clock, or they would be stale once it moves.
      const call: RelayRequest = (account, method, path, options = {}) =>
        signed(account, method, path, {
          ...options,
          sign: { timestamp: BigInt(clock.now), ...options.sign },
        });
      try {
        // A retry after the first statement expired gets a fresh one, and the sweep spares the refreshed upload.
        const kept = prepareArgs('sd');
        const first = JSON.parse((await putArgs(call, kept)).body).statement;
        clock.now += argsExpirySeconds + 1;
        const retry = await putArgs(call, kept);
        assert.equal(retry.statusCode, 200);
        const fresh = JSON.parse(retry.body).statement;
        assert.ok(fresh.expiry > clock.now, `fresh expiry ${fresh.expiry} after now ${clock.now}`);
        assert.ok(fresh.expiry > first.expiry);
        assert.ok(
          await verifyTypedData({
            address: retentionRelay.relaySigner.address,
            domain: context.domain,
            types: argsAvailableTypes,
            primaryType: 'ArgsAvailable',
            message: {
              creator: app().address,
              argsCommitment: kept.argsCommitment,
              expiry: BigInt(fresh.expiry),
            },
            signature: fresh.signature,
          }),
        );

        const expired = prepareArgs('sd');
        assert.equal((await putArgs(call, expired)).statusCode, 201);
        const live = await createFixtureTask(fixture);
        assert.equal((await putArgs(call, live)).statusCode, 201);
        const ended = await createFixtureTask(fixture);
        assert.equal((await putArgs(call, ended)).statusCode, 201);
        const result = await makeSdResult(64, 64, 1, 5);
        const node = ended.nodeActor!.account;
        const file = await call(node, 'PUT', `/v1/tasks/${ended.taskKey}/result/files/0.png`, {
          body: result.files[0]!.bytes,
        });
        assert.equal(file.statusCode, 201, file.body);
        const committed = await call(node, 'POST', `/v1/tasks/${ended.taskKey}/result/commit`, {
          body: { score: result.score },
        });
        assert.equal(committed.statusCode, 201, committed.body);
        await submitScore(fixture, ended, result.score);
        await validateSingle(fixture, ended);
        // An orphan (a crash between object write and row) sorting after every live object, behind pages of them.
        const { Readable } = await import('node:stream');
        const orphan = `results/0x${'ff'.repeat(32)}/00000000-0000-4000-8000-000000000000`;
        await objects.put(orphan, Readable.from([Buffer.from('orphan')]), { maxBytes: 100 });
        const liveObjects = (await listAllObjects(retentionRelay)).filter((k) => k !== orphan);
        assert.ok(liveObjects.length >= 4, `${liveObjects.length} live objects`);

        // Pass 1: links the tasks, notes `ended` terminal; nothing expired yet (the clock is where it was).
        clock.now += 1;
        const pass1 = await runRetention(context, { pageSize: 1, orphanAgeMs: 0 });
        assert.ok(pass1.linkedTasks >= 1, JSON.stringify(pass1));
        assert.ok(await meta.getTask(live.taskKey), 'linked from its TaskCreated event');
        assert.equal(pass1.orphans, 1, 'the orphan is found behind pages of live objects');
        assert.deepEqual(
          (await listAllObjects(retentionRelay)).sort(),
          liveObjects.sort(),
          'only the orphan went',
        );
        assert.notEqual((await meta.getTask(ended.taskKey))?.terminalAt, null);
        assert.equal((await meta.getTask(live.taskKey))?.terminalAt, null);

        // Pass 2, past every expiry and retention period: the pre-task upload and the ended task go; the live
        // task and the refreshed upload stay.
        clock.now =
          Math.max(clock.now, fresh.expiry) + argsExpirySeconds + graceSeconds + terminalSeconds + 10;
        const refreshedAgain = await putArgs(call, kept);
        assert.equal(refreshedAgain.statusCode, 200);
        const pass2 = await runRetention(context, { pageSize: 1, orphanAgeMs: 0 });
        assert.equal(pass2.retiredTasks, 1, JSON.stringify(pass2));
        assert.ok(pass2.expiredArgs >= 1);
        assert.equal(await meta.getArgs(expired.argsCommitment), undefined);
        assert.equal(await meta.getTask(ended.taskKey), undefined);
        assert.ok(await meta.getArgs(kept.argsCommitment), 'the refreshed upload is kept');
        assert.ok(await meta.getTask(live.taskKey), 'a live task is never deleted');
        const download = await call(live.nodeActor!.account, 'GET', `/v1/tasks/${live.taskKey}/args`);
        assert.equal(download.statusCode, 200);
        assert.deepEqual(new Uint8Array(download.rawPayload), live.bytes);
        const gone = await call(app(), 'GET', `/v1/tasks/${ended.taskKey}/result`);
        assert.equal(errorCode(gone), 'RESULT_WITHHELD');
        const left = await listAllObjects(retentionRelay);
        for (const key of liveObjects.filter(
          (k) => k.includes(ended.taskKey) || k.includes(expired.argsCommitment),
        ))
          assert.ok(!left.includes(key), `${key} deleted`);
      } finally {
        await retentionRelay.close();
      }
    });
  });

  describe('review: a commit races a re-upload', testTimeout, () => {
    it('never commits (or signs for) a replaced file: the commit is refused as retryable, then takes the new file', async (t) => {
      const { skip, relay, call, fixture } = env();
      if (skip) return t.skip(skip);
      for (const moment of ['before the read', 'after the read'] as const) {
        const task = await createFixtureTask(fixture);
        assert.equal((await putArgs(call, task)).statusCode, 201);
        const node = task.nodeActor!.account;
        const a = await makeSdResult(64, 64, 1, 11);
        const b = await makeSdResult(64, 64, 1, 12);
        const upload = (bytes: Uint8Array) =>
          call(node, 'PUT', `/v1/tasks/${task.taskKey}/result/files/0.png`, { body: bytes });
        const commit = (score: Hex) =>
          call(node, 'POST', `/v1/tasks/${task.taskKey}/result/commit`, { body: { score } });
        assert.equal((await upload(a.files[0]!.bytes)).statusCode, 201);
        const [staged] = await relay.context.storage.meta.listStaged(task.taskKey);
        const { objects } = relay.context.storage;
        const original = objects.getBytes;
        objects.getBytes = async (key, maxBytes) => {
          if (key !== staged!.objectKey) return original.call(objects, key, maxBytes);
          objects.getBytes = original;
          if (moment === 'before the read') {
            assert.equal((await upload(b.files[0]!.bytes)).statusCode, 201);
            return original.call(objects, key, maxBytes);
          }
          const bytes = await original.call(objects, key, maxBytes);
          assert.equal((await upload(b.files[0]!.bytes)).statusCode, 201);
          return bytes;
        };
        try {
          const raced = await commit(a.score);
          assert.equal(raced.statusCode, 409, `${moment}: ${raced.body}`);
          assert.equal(errorCode(raced), 'RESULT_FILES_CHANGED', moment);
          assert.ok(raced.headers['retry-after']);
        } finally {
          objects.getBytes = original;
        }
        assert.equal(await relay.context.storage.meta.getResult(task.taskKey), undefined);
        assert.equal(errorCode(await commit(a.score)), 'SCORE_MISMATCH', 'the staged file is now b');
        const retried = await commit(b.score);
        assert.equal(retried.statusCode, 201, retried.body);
        const [file] = (await relay.context.storage.meta.getResult(task.taskKey))!.files;
        assert.deepEqual(await objects.getBytes(file!.objectKey, 1 << 20), b.files[0]!.bytes);
        // A file staged after the commit is refused inside the store's transaction.
        const late = await relay.context.storage.meta.upsertStaged(task.taskKey, {
          ...file!,
          objectKey: `results/${task.taskKey}/00000000-0000-4000-8000-000000000001`,
        });
        assert.equal(late.staged, false);
      }
    });
  });

  describe('review: validation group end states', testTimeout, () => {
    it('releases results of EndGroupSuccess and EndGroupRefund members and withholds EndInvalidated', async (t) => {
      const { skip, call, fixture } = env();
      if (skip) return t.skip(skip);
      const denominator = 2n;
      const before = (await fixture.actors.taskManager.read.samplingDenominator()) as bigint;
      await setSamplingDenominator(fixture, denominator);
      try {
        const agreed = await makeSdResult(64, 64, 1, 21);
        const dissent = await makeSdResult(64, 64, 1, 99);
        const deliver = async (task: FixtureTask, result: typeof agreed) => {
          const node = task.nodeActor!.account;
          const put = await call(node, 'PUT', `/v1/tasks/${task.taskKey}/result/files/0.png`, {
            body: result.files[0]!.bytes,
          });
          assert.equal(put.statusCode, 201, put.body);
          const committed = await call(node, 'POST', `/v1/tasks/${task.taskKey}/result/commit`, {
            body: { score: result.score },
          });
          assert.equal(committed.statusCode, 201, committed.body);
          await submitScore(fixture, task, result.score);
        };
        const args = sdArgs({ seed: 7 });
        const member = async (guid?: Hex) => {
          const prepared = prepareArgs('sd', args);
          assert.equal((await putArgs(call, prepared)).statusCode, 201);
          return createFixtureTask(fixture, { prepared, ...(guid ? { guid } : {}) });
        };
        let members: FixtureTask[] | undefined;
        for (let round = 0; round < 16 && !members; round++) {
          const original = await member();
          if (await isSampled(fixture, original, denominator)) {
            members = [original, await member(original.guid), await member(original.guid)];
            break;
          }
          await deliver(original, agreed);
          await validateSingle(fixture, original);
        }
        assert.ok(members, 'the app was sampled within 16 rounds at 1/2');
        await deliver(members[0]!, agreed);
        await deliver(members[1]!, agreed);
        await deliver(members[2]!, dissent);
        const early = await call(app(), 'GET', `/v1/tasks/${members[0]!.taskKey}/result`);
        assert.equal(errorCode(early), 'RESULT_NOT_RELEASED');
        await validateGroup(fixture, members, [agreed.score, agreed.score, dissent.score]);

        const states: string[] = [];
        for (const task of members)
          states.push((await env().relay.context.chain.getTask(task.taskKey, { fresh: true })).state);
        assert.deepEqual([...states.slice(0, 2)].sort(), ['EndGroupRefund', 'EndGroupSuccess']);
        assert.equal(states[2], 'EndInvalidated');
        for (const [i, task] of members.entries()) {
          const manifest = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result`);
          const file = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result/files/0.png`);
          if (i < 2) {
            assert.equal(manifest.statusCode, 200, `${states[i]}: ${manifest.body}`);
            assert.equal(JSON.parse(manifest.body).score, agreed.score);
            assert.deepEqual(new Uint8Array(file.rawPayload), agreed.files[0]!.bytes);
          } else {
            assert.equal(errorCode(manifest), 'RESULT_WITHHELD', 'EndInvalidated');
            assert.equal(errorCode(file), 'RESULT_WITHHELD');
          }
          const byStranger = await call(stranger(), 'GET', `/v1/tasks/${task.taskKey}/result`);
          assert.equal(errorCode(byStranger), 'NOT_TASK_CREATOR');
        }
      } finally {
        await setSamplingDenominator(fixture, before);
      }
    });
  });

  describe('review: chain reads and operations', testTimeout, () => {
    it('pages eth_getLogs for providers that cap the block range', async (t) => {
      const { skip, fixture } = env();
      if (skip) return t.skip(skip);
      const cap = 4n;
      let refused = 0;
      // A provider like many hosted ones: eth_getLogs over more than `cap` blocks is an error.
      const capped = createAnvilClient(fixture.anvil.rpcUrl, (method, params) => {
        if (method !== 'eth_getLogs') return;
        const [filter] = params as [{ fromBlock: string; toBlock: string }];
        if (filter.toBlock === 'latest' || BigInt(filter.toBlock) - BigInt(filter.fromBlock) + 1n > cap) {
          refused++;
          throw new Error(`block range too large (max ${cap})`);
        }
      });
      const task = await createFixtureTask(fixture);
      const result = await makeSdResult(64, 64, 1, 31);
      await submitScore(fixture, task, result.score);
      for (let i = 0; i < 10; i++)
        await fixture.actors.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
      const chain = createFixtureChainReader(fixture, {
        maxLogRange: cap,
        client: capped,
      });
      const created = await chain.getTaskCreated(task.taskKey);
      assert.equal(created?.argsCommitment, task.argsCommitment);
      assert.equal(await chain.getTaskScore(task.taskKey), result.score.toLowerCase());
      const latest = await chain.getBlockNumber();
      assert.ok((await chain.getTaskCreatedRange(latest - cap + 1n, latest)).length >= 0);
      assert.equal(refused, 0, 'never asked for more than the cap');
    });

    it('follows the chain: one eth_call per task older than the follower, its later states from its events, a new block seen within cacheMs, terminal states too', async (t) => {
      const { skip, factory, fixture } = env();
      if (skip) return t.skip(skip);
      if (factory.name !== 'sqlite') return t.skip('storage-independent: runs once, on the SQLite pass');
      const calls: Record<string, number> = {};
      const counting = createAnvilClient(fixture.anvil.rpcUrl, (method) => {
        calls[method] = (calls[method] ?? 0) + 1;
      });
      const cacheMs = 400;
      const chain = createFixtureChainReader(fixture, {
        cacheMs,
        client: counting,
      });
      const pause = () => new Promise((resolve) => setTimeout(resolve, cacheMs + 100));
      const task = await createFixtureTask(fixture);
      // Older than the follower's first window (a task created before the relay started): read with eth_call.
      await fixture.actors.publicClient.request({
        method: 'anvil_mine' as never,
        params: [`0x${(followDepth + 8n).toString(16)}`] as never,
      });
      const first = await Promise.all(Array.from({ length: 20 }, () => chain.getTask(task.taskKey)));
      assert.ok(first.every((s) => s.state === 'Started'));
      assert.equal(calls.eth_call, 1, 'twenty concurrent requests share one read');
      // Requests asked after the first sync began (a later millisecond) share one more before the read.
      assert.ok(calls.eth_getBlockByNumber! <= 2);
      const heads = calls.eth_getBlockByNumber!;
      await pause();
      assert.equal((await chain.getTask(task.taskKey)).state, 'Started');
      assert.equal(calls.eth_call, 1, 'no event of the task: no new read');
      assert.equal(calls.eth_getBlockByNumber, heads + 1, 'the head is re-read once cacheMs passed');
      const result = await makeSdResult(64, 64, 1, 37);
      await submitScore(fixture, task, result.score);
      await pause();
      assert.equal(
        (await chain.getTask(task.taskKey)).state,
        'ScoreReady',
        'its event is seen within cacheMs',
      );
      assert.equal((await chain.getTask(task.taskKey, { fresh: true })).state, 'ScoreReady');
      await validateSingle(fixture, task);
      assert.equal((await chain.getTask(task.taskKey, { fresh: true })).state, 'EndSuccess');
      await fixture.actors.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
      await pause();
      assert.equal((await chain.getTask(task.taskKey)).state, 'EndSuccess');
      assert.equal(calls.eth_call, 1, "every later state came from the task's events, none from a read");
      // A task created after the last sync is not in that view: the request syncs at a head read after it began
      // (as a refusal's recheck does), and finds the task.
      const slow = createFixtureChainReader(fixture, {
        cacheMs: 60_000,
      });
      assert.equal((await slow.getTask(`0x${'77'.repeat(32)}`)).state, 'None', 'first sync');
      const late = await createFixtureTask(fixture);
      assert.equal(
        (await slow.getTask(late.taskKey)).state,
        'Started',
        'not in the view (cacheMs one minute): synced before it is answered',
      );
      assert.equal((await slow.getTask(late.taskKey)).state, 'Started', 'the newer view is kept');
    });

    it('bounds every chain read: a lost answer fails the requests sharing it as CHAIN_UNAVAILABLE, and the next request reads again', async (t) => {
      const { skip, factory, fixture } = env();
      if (skip) return t.skip(skip);
      if (factory.name !== 'sqlite') return t.skip('storage-independent: runs once, on the SQLite pass');
      // The next request of each method named here is never answered (an RPC that dropped it, or a stalled
      // anvil): before the reader bounded its reads, every request sharing the head or task read waited for good.
      const lose: string[] = [];
      const lost: string[] = [];
      const lossy = createAnvilClient(fixture.anvil.rpcUrl, async (method) => {
        const index = lose.indexOf(method);
        if (index < 0) return;
        lose.splice(index, 1);
        lost.push(method);
        await new Promise(() => {});
      });
      const readTimeoutMs = 300;
      const chain = createFixtureChainReader(fixture, {
        cacheMs: 60_000,
        readTimeoutMs,
        client: lossy,
      });
      const failFast = async (what: string, reads: Promise<unknown>[]) => {
        const started = Date.now();
        for (const outcome of await Promise.allSettled(reads)) {
          assert.equal(outcome.status, 'rejected', what);
          assert.equal((outcome as PromiseRejectedResult).reason?.code, 'CHAIN_UNAVAILABLE', what);
        }
        // Generous for a loaded machine; a lost answer without a bound never ends.
        assert.ok(Date.now() - started < readTimeoutMs + 10_000, `${what}: failed within the read bound`);
      };
      const [first, second, third] = [unknownTaskKey(), unknownTaskKey(), unknownTaskKey()];
      lose.push('eth_getBlockByNumber');
      await failFast(
        'the shared head read',
        Array.from({ length: 5 }, () => chain.getTask(first)),
      );
      assert.equal((await chain.getTask(first)).state, 'None', 'the next request reads the head again');
      lose.push('eth_call');
      await failFast(
        'the shared task read at the cached head',
        Array.from({ length: 5 }, () => chain.getTask(second)),
      );
      assert.equal((await chain.getTask(second)).state, 'None', 'the next request reads the task again');
      lose.push('eth_call');
      await failFast('a fresh read', [chain.getTask(third, { fresh: true })]);
      lose.push('eth_getLogs');
      await failFast('an event search', [chain.getTaskCreated(third)]);
      assert.equal(await chain.getTaskCreated(third), undefined);
      assert.deepEqual(lost, ['eth_getBlockByNumber', 'eth_call', 'eth_call', 'eth_getLogs']);
    });

    it('answers CORS for DApp mode: preflights, signed requests and refusals readable cross-origin; narrowed by config', async (t) => {
      const { skip, factory, fixture, relay, call } = env();
      if (skip) return t.skip(skip);
      if (factory.name !== 'sqlite') return t.skip('storage-independent: runs once, on the SQLite pass');
      const origin = 'http://127.0.0.1:8080';
      const signatureHeaders =
        'content-type,x-verinet-address,x-verinet-timestamp,x-verinet-nonce,x-verinet-body-hash,x-verinet-signature';
      const preflight = (target: TestRelay, path: string, method: string, from = origin) =>
        target.app.inject({
          method: 'OPTIONS',
          url: path,
          headers: {
            origin: from,
            'access-control-request-method': method,
            'access-control-request-headers': signatureHeaders,
          },
        });
      const prepared = prepareArgs('sd');
      const argsPath = `/v1/args/${prepared.argsCommitment}?salt=${prepared.salt}&taskType=sd`;
      const put = await preflight(relay, argsPath, 'PUT');
      assert.equal(put.statusCode, 204);
      assert.equal(put.headers['access-control-allow-origin'], '*');
      assert.match(String(put.headers['access-control-allow-methods']), /PUT/);
      for (const name of signatureHeaders.split(','))
        assert.match(String(put.headers['access-control-allow-headers']), new RegExp(name), name);
      assert.equal(put.headers['access-control-max-age'], '600');
      assert.equal(put.headers['access-control-allow-credentials'], undefined, 'never credentials');
      const bare = await relay.app.inject({ method: 'OPTIONS', url: argsPath });
      assert.equal(
        bare.statusCode,
        204,
        'an OPTIONS without Origin is answered, never an uncatalogued error',
      );
      // The real requests: an upload, and the node's download, whose metadata headers a browser must read.
      const task = await createFixtureTask(fixture);
      const uploaded = await call(
        app(),
        'PUT',
        `/v1/args/${task.argsCommitment}?salt=${task.salt}&taskType=sd`,
        {
          body: task.bytes,
          headers: { origin },
        },
      );
      assert.equal(uploaded.statusCode, 201);
      assert.equal(uploaded.headers['access-control-allow-origin'], '*');
      const got = await call(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`, {
        headers: { origin },
      });
      assert.equal(got.statusCode, 200);
      assert.match(String(got.headers['access-control-expose-headers']), /x-verinet-salt/);
      assert.match(String(got.headers['access-control-expose-headers']), /x-verinet-sha256/);
      // A refusal is readable too (the SDK shows the code).
      const refused = await call(stranger(), 'GET', `/v1/tasks/${task.taskKey}/args`, {
        headers: { origin },
      });
      assert.equal(errorCode(refused), 'NOT_TASK_NODE');
      assert.equal(refused.headers['access-control-allow-origin'], '*');
      const unsigned = await call(undefined, 'GET', `/v1/tasks/${task.taskKey}/args`, {
        headers: { origin },
      });
      assert.equal(errorCode(unsigned), 'AUTH_MISSING');
      assert.equal(unsigned.headers['access-control-allow-origin'], '*');
      // Narrowed to one origin: others get no CORS grant (the browser then refuses to expose the answer).
      const narrow = await createTestRelay(fixture, await factory.create(), {
        config: { cors: { origins: ['https://app.example'] } },
      });
      try {
        const allowed = await preflight(narrow, argsPath, 'PUT', 'https://app.example');
        assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
        const other = await preflight(narrow, argsPath, 'PUT', origin);
        assert.equal(other.headers['access-control-allow-origin'], undefined);
      } finally {
        await narrow.close();
      }
    });

    it('never rate-limits the probes, and limits per client IP behind a trusted proxy', async (t) => {
      const { skip, factory, fixture } = env();
      if (skip) return t.skip(skip);
      const proxied = await createTestRelay(fixture, await factory.create(), {
        config: { limits: { requestsPerMinute: 3 }, trustProxy: true },
      });
      try {
        for (let i = 0; i < 10; i++) {
          assert.equal((await proxied.app.inject('/healthz')).statusCode, 200, `healthz ${i}`);
          assert.equal((await proxied.app.inject('/readyz')).statusCode, 200, `readyz ${i}`);
        }
        const info = (ip: string) =>
          proxied.app.inject({ url: '/v1/info', headers: { 'x-forwarded-for': ip } });
        for (let i = 0; i < 3; i++) assert.equal((await info('203.0.113.1')).statusCode, 200);
        const limited = await info('203.0.113.1');
        assert.equal(limited.statusCode, 429);
        assert.equal(errorCode(limited), 'RATE_LIMITED');
        assert.equal((await info('203.0.113.2')).statusCode, 200, 'another client behind the same proxy');
      } finally {
        await proxied.close();
      }
    });
  });

  describe('review: a commit refused while the pHash pool is full', testTimeout, () => {
    it('is a 503 BUSY with Retry-After over HTTP, and the same commit succeeds once the pool has room', async (t) => {
      const { skip, factory, fixture } = env();
      if (skip) return t.skip(skip);
      if (factory.name !== 'sqlite') return t.skip('storage-independent: runs once, on the SQLite pass');
      const pool = createPHashPool({ maxThreads: 1, maxPendingBytes: 1 << 20 });
      const busyRelay = await createTestRelay(fixture, await factory.create(), { pHashPool: pool });
      const call = createTestClient(busyRelay);
      let release: (() => void) | undefined;
      try {
        const task = await createFixtureTask(fixture);
        assert.equal((await putArgs(call, task)).statusCode, 201);
        const result = await makeSdResult(64, 64, 1, 47);
        const node = task.nodeActor!.account;
        const file = await call(node, 'PUT', `/v1/tasks/${task.taskKey}/result/files/0.png`, {
          body: result.files[0]!.bytes,
        });
        assert.equal(file.statusCode, 201, file.body);
        const base = await busyRelay.app.listen({ host: '127.0.0.1', port: 0 });
        const path = `/v1/tasks/${task.taskKey}/result/commit`;
        const body = JSON.stringify({ score: result.score });
        const commit = async () => {
          const headers = await signRelayRequest({
            signer: node as LocalAccount,
            domain: busyRelay.context.domain,
            method: 'POST',
            path,
            bodyHash: hashRelayBody(new TextEncoder().encode(body)),
          });
          return fetch(`${base}${path}`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(60_000),
          });
        };
        // Other results' pixels fill the pool: this result's would go beyond its bound.
        release = pool.reserve(1 << 20);
        const busy = await commit();
        assert.equal(busy.status, 503);
        assert.equal(busy.headers.get('retry-after'), '2');
        assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'BUSY');
        release();
        release = undefined;
        const retried = await commit();
        assert.equal(retried.status, 201, await retried.clone().text());
        const reply = (await retried.json()) as { score: string; statement: { type: string } };
        assert.equal(reply.score, result.score.toLowerCase());
        assert.equal(reply.statement.type, 'ResultAvailable');
      } finally {
        release?.();
        await busyRelay.close();
        await pool.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { argsAvailableTypes, getResultHash, resultAvailableTypes } from '@verinet/protocol/relay';
import { type Hex, hexToBytes, verifyTypedData } from 'viem';
import {
  type ChainFixture,
  cancelQueued,
  createFixtureTask,
  type FixtureTask,
  prepareArgs,
  reportError,
  sdArgs,
  setRelaySigner,
  startChainFixture,
  submitScore,
  unknownTaskKey,
  validateSingle,
} from './chainFixture.js';
import {
  createTestClient,
  createTestRelay,
  errorCode,
  hookTimeout,
  type RelayRequest,
  type StorageFactory,
  type TestRelay,
  testTimeout,
} from './relayHarness.js';
import { runRelayReviewTests } from './relayReviewSuite.js';
import {
  makeAlphaPng,
  makeLlmResult,
  makePalettePng,
  makeSdResult,
  makeSixteenBitPng,
} from './resultFiles.js';
import { type MainThreadWatch, watchMainThread } from './watchMainThread.js';

/** EIP-712 types of a relay request written out as a client outside this repo would (not the protocol's copy). */
const plainRelayRequestTypes = {
  RelayRequest: [
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'bodyHash', type: 'bytes32' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

const ZERO_SCORE = `0x${'00'.repeat(8)}` as Hex;

/**
 * The relay's behaviour on a real chain (anvil, deployed contracts), for one storage backend. Both backends
 * run this same suite.
 */
export function runRelaySuite(makeFactory: () => Promise<StorageFactory | undefined>): void {
  let factory: StorageFactory | undefined;
  let fixture: ChainFixture;
  let relay: TestRelay;
  let call: RelayRequest;
  let skip: string | false = false;
  let watch: MainThreadWatch | undefined;

  before(async () => {
    factory = await makeFactory();
    if (!factory) {
      skip = 'backend unavailable';
      return;
    }
    fixture = await startChainFixture();
    relay = await createTestRelay(fixture, await factory.create());
    call = createTestClient(relay);
    // Watches the tests only: the fixture's start may block the thread for long (a synchronous forge build).
    watch = watchMainThread();
  }, hookTimeout);

  beforeEach((t) => watch?.setTest(t.name));

  after(async () => {
    await watch?.stop();
    await relay?.close();
    await fixture?.stop();
    await factory?.cleanup();
  }, hookTimeout);

  const app = () => fixture.actors.app.account;
  const stranger = () => fixture.stranger.account;
  const otherNode = (task: FixtureTask) =>
    fixture.actors.nodes.find((n) => n.account.address.toLowerCase() !== task.node)!.account;

  async function uploadArgs(task: FixtureTask) {
    return call(app(), 'PUT', `/v1/args/${task.argsCommitment}?salt=${task.salt}&taskType=${task.taskType}`, {
      body: task.bytes,
    });
  }

  async function uploadResult(task: FixtureTask, files: { name: string; bytes: Uint8Array }[]) {
    for (const file of files) {
      const response = await call(
        task.nodeActor!.account,
        'PUT',
        `/v1/tasks/${task.taskKey}/result/files/${file.name}`,
        {
          body: file.bytes,
        },
      );
      assert.equal(response.statusCode, 201, response.body);
    }
  }

  const commit = (task: FixtureTask, score: Hex) =>
    call(task.nodeActor!.account, 'POST', `/v1/tasks/${task.taskKey}/result/commit`, { body: { score } });

  describe('operations', testTimeout, () => {
    it('serves health, readiness, metrics, info and the OpenAPI document', async (t) => {
      if (skip) return t.skip(skip);
      assert.equal((await relay.app.inject('/healthz')).statusCode, 200);
      assert.equal((await relay.app.inject('/readyz')).statusCode, 200);
      const info = JSON.parse((await relay.app.inject('/v1/info')).body);
      assert.equal(info.relaySigner, relay.relaySigner.address);
      assert.equal(info.domain.verifyingContract, fixture.deployment.contracts.taskManager);
      const openapi = JSON.parse((await relay.app.inject('/openapi.json')).body);
      for (const path of [
        '/v1/args/{argsCommitment}',
        '/v1/tasks/{taskKey}/args',
        '/v1/tasks/{taskKey}/result/files/{name}',
        '/v1/tasks/{taskKey}/result/commit',
        '/v1/tasks/{taskKey}/result',
      ])
        assert.ok(openapi.paths[path], `${path} documented`);
      const metrics = (await relay.app.inject('/metrics')).body;
      assert.match(metrics, /relay_http_requests_total/);
    });
  });

  describe('arguments', testTimeout, () => {
    it('takes a pre-creation upload from the creator, signs ArgsAvailable, and serves the selected node only', async (t) => {
      if (skip) return t.skip(skip);
      const prepared = prepareArgs('sd');
      const put = (account = app()) =>
        call(account, 'PUT', `/v1/args/${prepared.argsCommitment}?salt=${prepared.salt}&taskType=sd`, {
          body: prepared.bytes,
        });
      const first = await put();
      assert.equal(first.statusCode, 201, first.body);
      const body = JSON.parse(first.body);
      assert.equal(body.argsCommitment, prepared.argsCommitment);
      assert.equal(body.statement.creator, app().address.toLowerCase());
      assert.ok(
        await verifyTypedData({
          address: relay.relaySigner.address,
          domain: relay.context.domain,
          types: argsAvailableTypes,
          primaryType: 'ArgsAvailable',
          message: {
            creator: app().address,
            argsCommitment: prepared.argsCommitment,
            expiry: BigInt(body.statement.expiry),
          },
          signature: body.statement.signature,
        }),
        'the statement verifies against the relay signer',
      );
      const retry = await put();
      assert.equal(retry.statusCode, 200, 'idempotent');
      assert.ok(JSON.parse(retry.body).statement.expiry >= body.statement.expiry, 'never a staler statement');
      assert.equal(errorCode(await put(stranger())), 'ARGS_CONFLICT');

      const task = await createFixtureTask(fixture, { prepared });
      const download = await call(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`);
      assert.equal(download.statusCode, 200, download.body);
      assert.deepEqual(new Uint8Array(download.rawPayload), prepared.bytes);
      assert.equal(download.headers['x-verinet-salt'], prepared.salt.toLowerCase());
      for (const who of [otherNode(task), app(), stranger()]) {
        const refused = await call(who, 'GET', `/v1/tasks/${task.taskKey}/args`);
        assert.equal(refused.statusCode, 403);
        assert.equal(errorCode(refused), 'NOT_TASK_NODE');
        assert.ok(!refused.body.includes('lighthouse'), 'no data leaked');
      }
    });

    it('takes a post-creation upload checked against the on-chain argsCommitment', async (t) => {
      if (skip) return t.skip(skip);
      const task = await createFixtureTask(fixture);
      const early = await call(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`);
      assert.equal(early.statusCode, 409);
      assert.equal(errorCode(early), 'ARGS_NOT_UPLOADED');
      assert.ok(early.headers['retry-after']);
      const path = `/v1/tasks/${task.taskKey}/args?salt=${task.salt}`;
      assert.equal(errorCode(await call(stranger(), 'PUT', path, { body: task.bytes })), 'NOT_TASK_CREATOR');
      const wrongSalt = await call(app(), 'PUT', `/v1/tasks/${task.taskKey}/args?salt=0x${'11'.repeat(32)}`, {
        body: task.bytes,
      });
      assert.equal(wrongSalt.statusCode, 422);
      assert.equal(errorCode(wrongSalt), 'ARGS_COMMITMENT_MISMATCH');
      const ok = await call(app(), 'PUT', path, { body: task.bytes });
      assert.equal(ok.statusCode, 201, ok.body);
      const again = await call(app(), 'PUT', path, { body: task.bytes });
      assert.equal(again.statusCode, 200);
      const download = await call(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`);
      assert.equal(download.statusCode, 200);
      assert.deepEqual(new Uint8Array(download.rawPayload), task.bytes);
    });

    it('refuses arguments that are not canonical or not schema-valid', async (t) => {
      if (skip) return t.skip(skip);
      const prepared = prepareArgs('sd');
      const text = new TextDecoder().decode(prepared.bytes);
      const spaced = new TextEncoder().encode(text.replace(':', ': '));
      const { argsCommitment, salt } = prepareArgs('sd');
      const notCanonical = await call(app(), 'PUT', `/v1/args/${argsCommitment}?salt=${salt}&taskType=sd`, {
        body: spaced,
      });
      assert.equal(notCanonical.statusCode, 422);
      // The commitment check comes first; a valid commitment over invalid arguments:
      const { getArgsHash } = await import('@verinet/protocol/args');
      const { getArgsCommitment } = await import('@verinet/protocol/commitment');
      const bad = new TextEncoder().encode('{"prompt":"x","version":"1.0.0"}');
      const commitment = getArgsCommitment(getArgsHash(bad), salt);
      const invalid = await call(app(), 'PUT', `/v1/args/${commitment}?salt=${salt}&taskType=sd`, {
        body: bad,
      });
      assert.equal(invalid.statusCode, 422);
      assert.equal(errorCode(invalid), 'ARGS_INVALID');
      assert.match(JSON.parse(invalid.body).error.message, /base_model/);
    });
  });

  describe('results', testTimeout, () => {
    it('SD: the node uploads and commits, the relay recomputes the pHash and signs; the creator downloads once validated', async (t) => {
      if (skip) return t.skip(skip);
      const task = await createFixtureTask(fixture, { args: sdArgs({ num_images: 2 }) });
      assert.equal((await uploadArgs(task)).statusCode, 201);
      const result = await makeSdResult(64, 64, 2);
      await uploadResult(task, result.files);
      const wrong = await commit(task, `0x${'ab'.repeat(16)}`);
      assert.equal(wrong.statusCode, 422);
      assert.equal(errorCode(wrong), 'SCORE_MISMATCH');
      assert.equal(
        errorCode(
          await call(otherNode(task), 'POST', `/v1/tasks/${task.taskKey}/result/commit`, {
            body: { score: result.score },
          }),
        ),
        'NOT_TASK_NODE',
      );
      const committed = await commit(task, result.score);
      assert.equal(committed.statusCode, 201, committed.body);
      const statement = JSON.parse(committed.body).statement;
      assert.equal(statement.resultHash, getResultHash(hexToBytes(result.score)));
      assert.ok(
        await verifyTypedData({
          address: relay.relaySigner.address,
          domain: relay.context.domain,
          types: resultAvailableTypes,
          primaryType: 'ResultAvailable',
          message: { taskKey: task.taskKey, resultHash: statement.resultHash },
          signature: statement.signature,
        }),
      );
      assert.equal((await commit(task, result.score)).statusCode, 200, 'idempotent');
      assert.equal(errorCode(await commit(task, ZERO_SCORE)), 'RESULT_COMMITTED');

      const early = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result`);
      assert.equal(early.statusCode, 409);
      assert.equal(errorCode(early), 'RESULT_NOT_RELEASED');
      await submitScore(fixture, task, result.score);
      assert.equal(
        errorCode(await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result`)),
        'RESULT_NOT_RELEASED',
      );
      await validateSingle(fixture, task);
      for (const who of [task.nodeActor!.account, stranger()]) {
        const refused = await call(who, 'GET', `/v1/tasks/${task.taskKey}/result/files/0.png`);
        assert.equal(refused.statusCode, 403);
        assert.equal(errorCode(refused), 'NOT_TASK_CREATOR');
      }
      const manifest = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result`);
      assert.equal(manifest.statusCode, 200, manifest.body);
      assert.equal(JSON.parse(manifest.body).score, result.score);
      for (const file of result.files) {
        const download = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result/files/${file.name}`);
        assert.equal(download.statusCode, 200);
        assert.deepEqual(new Uint8Array(download.rawPayload), file.bytes);
      }
    });

    it('LLM: result.json canonical chat result, sha256 score', async (t) => {
      if (skip) return t.skip(skip);
      const task = await createFixtureTask(fixture, { taskType: 'llm' });
      assert.equal((await uploadArgs(task)).statusCode, 201);
      const result = await makeLlmResult();
      const text = new TextDecoder().decode(result.bytes);
      await uploadResult(task, [{ name: 'result.json', bytes: new TextEncoder().encode(` ${text}`) }]);
      assert.equal(errorCode(await commit(task, result.score)), 'RESULT_TEXT_INVALID');
      await uploadResult(task, [{ name: 'result.json', bytes: result.bytes }]);
      const png = await call(task.nodeActor!.account, 'PUT', `/v1/tasks/${task.taskKey}/result/files/0.png`, {
        body: new Uint8Array(10),
      });
      assert.equal(errorCode(png), 'RESULT_NAME_INVALID');
      const committed = await commit(task, result.score);
      assert.equal(committed.statusCode, 201, committed.body);
      await submitScore(fixture, task, result.score);
      await validateSingle(fixture, task);
      const download = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result/files/result.json`);
      assert.equal(download.statusCode, 200);
      assert.deepEqual(new Uint8Array(download.rawPayload), result.bytes);
    });

    it('refuses non-PNG, alpha, 16-bit, palette, wrong-size images and wrong image counts', async (t) => {
      if (skip) return t.skip(skip);
      const task = await createFixtureTask(fixture, { args: sdArgs({ num_images: 2 }) });
      assert.equal((await uploadArgs(task)).statusCode, 201);
      const good = await makeSdResult(64, 64, 2);
      const cases: [string, { name: string; bytes: Uint8Array }[], string, RegExp][] = [
        ['one image of two', good.files.slice(0, 1), 'RESULT_FILES_MISMATCH', /2 image/],
        [
          'not a PNG',
          [good.files[0]!, { name: '1.png', bytes: new TextEncoder().encode('GIF89a…') }],
          'RESULT_IMAGE_INVALID',
          /not a PNG/,
        ],
        [
          'alpha',
          [good.files[0]!, { name: '1.png', bytes: await makeAlphaPng(64, 64) }],
          'RESULT_IMAGE_INVALID',
          /alpha/,
        ],
        [
          '16-bit',
          [good.files[0]!, { name: '1.png', bytes: await makeSixteenBitPng(64, 64) }],
          'RESULT_IMAGE_INVALID',
          /bit depth 16/,
        ],
        [
          'palette',
          [good.files[0]!, { name: '1.png', bytes: await makePalettePng(64, 64) }],
          'RESULT_IMAGE_INVALID',
          /palette/,
        ],
        [
          'wrong size',
          [good.files[0]!, (await makeSdResult(72, 64, 1)).files[0]!].map((f, i) => ({
            name: `${i}.png`,
            bytes: f.bytes,
          })),
          'RESULT_IMAGE_INVALID',
          /72×64/,
        ],
        [
          'three images',
          [...good.files, { name: '2.png', bytes: good.files[0]!.bytes }],
          'RESULT_FILES_MISMATCH',
          /2 image/,
        ],
      ];
      for (const [label, files, code, message] of cases) {
        const fresh = await createFixtureTask(fixture, { args: sdArgs({ num_images: 2 }) });
        assert.equal((await uploadArgs(fresh)).statusCode, 201);
        await uploadResult(fresh, files);
        const refused = await commit(fresh, good.score);
        assert.equal(refused.statusCode, 422, label);
        assert.equal(errorCode(refused), code, label);
        assert.match(JSON.parse(refused.body).error.message, message, label);
      }
    });

    it('withholds results of tasks that did not end validated, or whose on-chain score differs', async (t) => {
      if (skip) return t.skip(skip);
      const task = await createFixtureTask(fixture);
      assert.equal((await uploadArgs(task)).statusCode, 201);
      const result = await makeSdResult(64, 64, 1);
      await uploadResult(task, result.files);
      assert.equal((await commit(task, result.score)).statusCode, 201);
      // The node commits one score at the relay and submits another on chain.
      await submitScore(fixture, task, ZERO_SCORE);
      await validateSingle(fixture, task);
      const refused = await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result`);
      assert.equal(refused.statusCode, 403);
      assert.equal(errorCode(refused), 'RESULT_WITHHELD');
      // The relay refuses a commit whose score differs from the one already on chain.
      const other = await createFixtureTask(fixture);
      assert.equal((await uploadArgs(other)).statusCode, 201);
      await uploadResult(other, result.files);
      await submitScore(fixture, other, ZERO_SCORE);
      const mismatch = await commit(other, result.score);
      assert.equal(errorCode(mismatch), 'SCORE_MISMATCH');
      assert.match(JSON.parse(mismatch.body).error.message, /on chain/);
    });
  });

  describe('scale-out', testTimeout, () => {
    it('uploads through one relay instance and downloads through another sharing the storage', async (t) => {
      if (skip || !factory) return t.skip(skip || 'no backend');
      const [first, second] = await factory.createShared();
      const relayKey = `0x${'42'.repeat(32)}` as Hex;
      const a = await createTestRelay(fixture, first, { relayKey });
      const b = await createTestRelay(fixture, second, { relayKey });
      try {
        const callA = createTestClient(a);
        const callB = createTestClient(b);
        const prepared = prepareArgs('sd');
        const put = await callA(
          app(),
          'PUT',
          `/v1/args/${prepared.argsCommitment}?salt=${prepared.salt}&taskType=sd`,
          {
            body: prepared.bytes,
          },
        );
        assert.equal(put.statusCode, 201, put.body);
        const task = await createFixtureTask(fixture, { prepared });
        const args = await callB(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`);
        assert.equal(args.statusCode, 200, args.body);
        assert.deepEqual(new Uint8Array(args.rawPayload), prepared.bytes);
        const result = await makeSdResult(64, 64, 1, 5);
        const upload = await callA(
          task.nodeActor!.account,
          'PUT',
          `/v1/tasks/${task.taskKey}/result/files/0.png`,
          {
            body: result.files[0]!.bytes,
          },
        );
        assert.equal(upload.statusCode, 201);
        const committed = await callB(
          task.nodeActor!.account,
          'POST',
          `/v1/tasks/${task.taskKey}/result/commit`,
          {
            body: { score: result.score },
          },
        );
        assert.equal(committed.statusCode, 201, committed.body);
        await submitScore(fixture, task, result.score);
        await validateSingle(fixture, task);
        const download = await callA(app(), 'GET', `/v1/tasks/${task.taskKey}/result/files/0.png`);
        assert.equal(download.statusCode, 200, download.body);
        assert.deepEqual(new Uint8Array(download.rawPayload), result.files[0]!.bytes);
        // A signed request used at one instance is a replay at the other.
        const { sha256 } = await import('@noble/hashes/sha2.js');
        const { toHex } = await import('viem');
        const message = {
          method: 'GET',
          path: `/v1/tasks/${task.taskKey}/result`,
          bodyHash: toHex(sha256(new Uint8Array())),
          timestamp: BigInt(Math.floor(Date.now() / 1000)),
          nonce: toHex(crypto.getRandomValues(new Uint8Array(32))),
        };
        const signature = await fixture.actors.app.account.signTypedData!({
          domain: a.context.domain,
          types: plainRelayRequestTypes,
          primaryType: 'RelayRequest',
          message,
        });
        const headers = {
          'x-verinet-address': app().address,
          'x-verinet-timestamp': String(message.timestamp),
          'x-verinet-nonce': message.nonce,
          'x-verinet-body-hash': message.bodyHash,
          'x-verinet-signature': signature,
        };
        assert.equal((await a.app.inject({ method: 'GET', url: message.path, headers })).statusCode, 200);
        assert.equal(
          errorCode(await b.app.inject({ method: 'GET', url: message.path, headers })),
          'AUTH_REPLAYED',
        );
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('every task state against every operation', testTimeout, () => {
    it('answers each (state, operation) pair as the protocol says', async (t) => {
      if (skip) return t.skip(skip);
      const result = await makeSdResult(64, 64, 1);
      const states: Record<string, () => Promise<FixtureTask>> = {
        None: async () => ({ ...(await createFixtureTask(fixture)), taskKey: unknownTaskKey() }),
        Queued: () => createFixtureTask(fixture, { queued: true }),
        Started: () => createFixtureTask(fixture),
        ScoreReady: async () => {
          const task = await createFixtureTask(fixture);
          await submitScore(fixture, task, result.score);
          return task;
        },
        ErrorReported: async () => {
          const task = await createFixtureTask(fixture);
          await reportError(fixture, task);
          return task;
        },
        EndSuccess: async () => {
          const task = await createFixtureTask(fixture);
          await submitScore(fixture, task, result.score);
          await validateSingle(fixture, task);
          return task;
        },
        EndAbortedError: async () => {
          const task = await createFixtureTask(fixture);
          await reportError(fixture, task);
          await validateSingle(fixture, task);
          return task;
        },
        EndAbortedCancelled: async () => {
          const task = await createFixtureTask(fixture, { queued: true });
          await cancelQueued(fixture, task);
          return task;
        },
      };
      // Expected answer per operation for the rightful caller: status code or error code.
      const expected: Record<string, Record<string, string>> = {
        None: {
          uploadArgs: 'TASK_UNKNOWN',
          downloadArgs: 'TASK_UNKNOWN',
          uploadResult: 'TASK_UNKNOWN',
          commit: 'TASK_UNKNOWN',
          download: 'TASK_UNKNOWN',
        },
        Queued: {
          uploadArgs: '201',
          downloadArgs: 'TASK_NOT_STARTED',
          uploadResult: 'TASK_NOT_STARTED',
          commit: 'TASK_NOT_STARTED',
          download: 'RESULT_NOT_RELEASED',
        },
        Started: {
          uploadArgs: '201',
          downloadArgs: '200',
          uploadResult: '201',
          commit: '201',
          download: 'RESULT_NOT_RELEASED',
        },
        ScoreReady: {
          uploadArgs: '201',
          downloadArgs: '200',
          uploadResult: '201',
          commit: '201',
          download: 'RESULT_NOT_RELEASED',
        },
        ErrorReported: {
          uploadArgs: '201',
          downloadArgs: '200',
          uploadResult: 'TASK_STATE',
          commit: 'TASK_STATE',
          download: 'RESULT_NOT_RELEASED',
        },
        EndSuccess: {
          uploadArgs: 'TASK_STATE',
          downloadArgs: 'TASK_STATE',
          uploadResult: 'TASK_STATE',
          commit: 'TASK_STATE',
          download: 'RESULT_WITHHELD',
        },
        EndAbortedError: {
          uploadArgs: 'TASK_STATE',
          downloadArgs: 'TASK_STATE',
          uploadResult: 'TASK_STATE',
          commit: 'TASK_STATE',
          download: 'RESULT_WITHHELD',
        },
        EndAbortedCancelled: {
          uploadArgs: 'TASK_STATE',
          downloadArgs: 'TASK_STATE',
          uploadResult: 'TASK_STATE',
          commit: 'TASK_STATE',
          download: 'RESULT_WITHHELD',
        },
      };
      const answer = (r: { statusCode: number; body: string }) =>
        r.statusCode < 300 ? String(r.statusCode) : (errorCode(r as never) ?? String(r.statusCode));
      for (const [state, make] of Object.entries(states)) {
        const task = await make();
        const node = task.nodeActor?.account ?? fixture.actors.nodes[0]!.account;
        const got: Record<string, string> = {};
        got.uploadArgs = answer(
          await call(app(), 'PUT', `/v1/tasks/${task.taskKey}/args?salt=${task.salt}`, { body: task.bytes }),
        );
        got.downloadArgs = answer(await call(node, 'GET', `/v1/tasks/${task.taskKey}/args`));
        got.uploadResult = answer(
          await call(node, 'PUT', `/v1/tasks/${task.taskKey}/result/files/0.png`, {
            body: result.files[0]!.bytes,
          }),
        );
        got.commit = answer(
          await call(node, 'POST', `/v1/tasks/${task.taskKey}/result/commit`, {
            body: { score: result.score },
          }),
        );
        got.download = answer(await call(app(), 'GET', `/v1/tasks/${task.taskKey}/result`));
        assert.deepEqual(got, expected[state], state);
        // Nobody else gets anything but a 4xx in any state.
        for (const who of [stranger()]) {
          for (const [method, path] of [
            ['GET', `/v1/tasks/${task.taskKey}/args`],
            ['GET', `/v1/tasks/${task.taskKey}/result`],
            ['GET', `/v1/tasks/${task.taskKey}/result/files/0.png`],
          ] as const) {
            const r = await call(who, method, path);
            assert.ok(
              r.statusCode >= 400 && r.statusCode < 500,
              `${state} ${method} ${path}: ${r.statusCode}`,
            );
          }
        }
      }
    });
  });

  describe('statements on chain', testTimeout, () => {
    it('createTask and submitScore accept the relay statements (ArgsAvailable, ResultAvailable) and refuse others', async (t) => {
      if (skip) return t.skip(skip);
      await setRelaySigner(fixture, relay.relaySigner.address);
      try {
        const prepared = prepareArgs('sd');
        const put = await call(
          app(),
          'PUT',
          `/v1/args/${prepared.argsCommitment}?salt=${prepared.salt}&taskType=sd`,
          {
            body: prepared.bytes,
          },
        );
        assert.equal(put.statusCode, 201, put.body);
        const { statement } = JSON.parse(put.body);
        await assert.rejects(
          createFixtureTask(fixture, { prepared: prepareArgs('sd'), statement }),
          'a statement for other arguments is refused by the contract',
        );
        await assert.rejects(createFixtureTask(fixture, { prepared }), 'no statement, refused');
        const task = await createFixtureTask(fixture, { prepared, statement });
        const download = await call(task.nodeActor!.account, 'GET', `/v1/tasks/${task.taskKey}/args`);
        assert.equal(download.statusCode, 200);

        // submitScore takes the ResultAvailable statement the commit answers with, and nothing else.
        const result = await makeSdResult(64, 64, 1, 3);
        await uploadResult(task, result.files);
        const committed = await commit(task, result.score);
        assert.equal(committed.statusCode, 201, committed.body);
        const resultStatement = JSON.parse(committed.body).statement;
        await assert.rejects(submitScore(fixture, task, result.score), 'no statement, refused');
        await assert.rejects(
          submitScore(fixture, task, result.score, statement.signature),
          'the ArgsAvailable signature is not a ResultAvailable one',
        );
        await assert.rejects(
          submitScore(fixture, task, ZERO_SCORE, resultStatement.signature),
          'a statement for another score is refused',
        );
        await submitScore(fixture, task, result.score, resultStatement.signature);
      } finally {
        await setRelaySigner(fixture, '0x0000000000000000000000000000000000000000');
      }
    });
  });

  describe('authentication', testTimeout, () => {
    it('refuses unsigned, wrongly signed, stale, future, replayed and hash-mismatched requests', async (t) => {
      if (skip) return t.skip(skip);
      const task = await createFixtureTask(fixture);
      assert.equal((await uploadArgs(task)).statusCode, 201);
      const node = task.nodeActor!.account;
      const path = `/v1/tasks/${task.taskKey}/args`;
      const now = BigInt(Math.floor(Date.now() / 1000));
      const cases: [string, Promise<{ statusCode: number; body: string }>, string][] = [
        ['unsigned', call(node, 'GET', path, { unsigned: true }), 'AUTH_MISSING'],
        [
          'claims another address',
          call(stranger(), 'GET', path, { claimAddress: node.address }),
          'AUTH_BAD_SIGNATURE',
        ],
        [
          'signed another path',
          call(node, 'GET', path, { sign: { path: '/v1/info' } }),
          'AUTH_BAD_SIGNATURE',
        ],
        ['signed another method', call(node, 'GET', path, { sign: { method: 'PUT' } }), 'AUTH_BAD_SIGNATURE'],
        ['signed another chain', call(node, 'GET', path, { sign: { chainId: 1 } }), 'AUTH_BAD_SIGNATURE'],
        ['stale', call(node, 'GET', path, { sign: { timestamp: now - 120n } }), 'AUTH_STALE'],
        ['future', call(node, 'GET', path, { sign: { timestamp: now + 120n } }), 'AUTH_STALE'],
        [
          'malformed signature',
          call(node, 'GET', path, { headers: { 'x-verinet-signature': '0x1234' } }),
          'AUTH_MALFORMED',
        ],
        [
          'GET with a body hash',
          call(node, 'GET', path, { sign: { bodyHash: `0x${'12'.repeat(32)}` } }),
          'BODY_HASH_MISMATCH',
        ],
      ];
      for (const [label, pending, code] of cases) {
        const response = await pending;
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, label);
        assert.equal(errorCode(response as never), code, label);
        assert.ok(!response.body.includes('lighthouse'), `${label}: no data leaked`);
      }
      // Replay: the exact same signed request twice.
      const { sha256 } = await import('@noble/hashes/sha2.js');
      const { toHex } = await import('viem');
      const timestamp = now;
      const bodyHash = toHex(sha256(new Uint8Array()));
      // Signed with plain viem (not the relay's helpers), as any client would: the headers of one request.
      const signPlain = async (nonce: Hex) => ({
        'x-verinet-address': node.address,
        'x-verinet-timestamp': String(timestamp),
        'x-verinet-nonce': nonce,
        'x-verinet-body-hash': bodyHash,
        'x-verinet-signature': await task.nodeActor!.account.signTypedData!({
          domain: relay.context.domain,
          types: plainRelayRequestTypes,
          primaryType: 'RelayRequest',
          message: { method: 'GET', path, bodyHash, timestamp, nonce },
        }),
      });
      const headers = await signPlain(toHex(crypto.getRandomValues(new Uint8Array(32))));
      assert.equal((await relay.app.inject({ method: 'GET', url: path, headers })).statusCode, 200);
      const replay = await relay.app.inject({ method: 'GET', url: path, headers });
      assert.equal(errorCode(replay), 'AUTH_REPLAYED');
      // Replays racing each other (claims arriving together share one batched INSERT): exactly one is served.
      const racedHeaders = await signPlain(toHex(crypto.getRandomValues(new Uint8Array(32))));
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          relay.app.inject({ method: 'GET', url: path, headers: racedHeaders }),
        ),
      );
      assert.deepEqual(answers.map((a) => (a.statusCode === 200 ? 'ok' : errorCode(a))).sort(), [
        'AUTH_REPLAYED',
        'AUTH_REPLAYED',
        'AUTH_REPLAYED',
        'AUTH_REPLAYED',
        'AUTH_REPLAYED',
        'ok',
      ]);
      // A body that is not the signed one.
      const commitment = prepareArgs('sd');
      const mismatch = await call(
        app(),
        'PUT',
        `/v1/args/${commitment.argsCommitment}?salt=${commitment.salt}&taskType=sd`,
        {
          body: commitment.bytes,
          sign: { bodyHash: `0x${'34'.repeat(32)}` },
        },
      );
      assert.equal(errorCode(mismatch), 'BODY_HASH_MISMATCH');
      // A signed JSON body that is not an object: a 400 worded as the bridge words it.
      const commitPath = `/v1/tasks/${task.taskKey}/result/commit`;
      for (const body of ['[]', 'null']) {
        const refused = await call(node, 'POST', commitPath, { body });
        assert.equal(refused.statusCode, 400, `${body}: ${refused.body}`);
        assert.deepEqual(
          JSON.parse(refused.body).error,
          { code: 'INVALID_REQUEST', message: 'The request body must be a JSON object.' },
          body,
        );
      }
    });
  });

  runRelayReviewTests(() => ({ skip, factory: factory!, fixture, relay, call }));
}

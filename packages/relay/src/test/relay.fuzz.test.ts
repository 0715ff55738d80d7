import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { getRelayRequestDigest } from '@verinet/protocol/relay';
import secp256k1 from 'secp256k1';
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { relayErrors } from '../errors/catalogue.js';
import {
  type ChainFixture,
  createFixtureTask,
  type FixtureTask,
  sdArgs,
  startChainFixture,
  submitScore,
  unknownTaskKey,
  validateSingle,
} from './chainFixture.js';
import {
  createTestClient,
  createTestRelay,
  hookTimeout,
  sqliteStorageFactory,
  type TestRelay,
} from './relayHarness.js';
import { makeSdResult } from './resultFiles.js';

const REQUESTS = Number(process.env.RELAY_FUZZ_REQUESTS ?? 10_000);
const SECRET = 'fuzz-secret-prompt-7f3a';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with RELAY_FUZZ_SEED. */
function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}

describe('relay fuzz: generated requests never get a 5xx, a non-catalogued answer or data they may not see', {
  timeout: 300_000,
}, () => {
  let fixture: ChainFixture;
  let relay: TestRelay;
  const factory = sqliteStorageFactory();
  let tasks: { started: FixtureTask; scored: FixtureTask; ended: FixtureTask };
  let png: Uint8Array;
  let score: Hex;
  const keys: Record<Hex, Uint8Array> = {};

  before(async () => {
    fixture = await startChainFixture({ nodes: 6 });
    relay = await createTestRelay(fixture, await factory.create(), { config: { chain: { cacheMs: 2000 } } });
    const call = createTestClient(relay);
    const args = { ...sdArgs(), prompt: SECRET };
    const make = async () => {
      const task = await createFixtureTask(fixture, { args });
      const up = await call(
        fixture.actors.app.account,
        'PUT',
        `/v1/tasks/${task.taskKey}/args?salt=${task.salt}`,
        { body: task.bytes },
      );
      assert.equal(up.statusCode, 201);
      return task;
    };
    const result = await makeSdResult(64, 64, 1);
    png = result.files[0]!.bytes;
    score = result.score;
    const started = await make();
    const scored = await make();
    const ended = await make();
    for (const task of [scored, ended]) {
      await call(task.nodeActor!.account, 'PUT', `/v1/tasks/${task.taskKey}/result/files/0.png`, {
        body: png,
      });
      assert.equal(
        (
          await call(task.nodeActor!.account, 'POST', `/v1/tasks/${task.taskKey}/result/commit`, {
            body: { score },
          })
        ).statusCode,
        201,
      );
      await submitScore(fixture, task, score);
    }
    await validateSingle(fixture, ended);
    tasks = { started, scored, ended };
    for (const actor of [fixture.actors.app, fixture.stranger, ...fixture.actors.nodes])
      keys[actor.account.address.toLowerCase() as Hex] = hexToBytes(actor.privateKey);
  }, hookTimeout);

  after(async () => {
    await relay?.close();
    await fixture?.stop();
    await factory.cleanup();
  }, hookTimeout);

  it(`answers ${REQUESTS} generated requests with 2xx or a catalogued 4xx`, async () => {
    const seed = Number(process.env.RELAY_FUZZ_SEED ?? Date.now() % 1_000_000);
    const r = createRandom(seed);
    const { domain } = relay.context;
    const app = fixture.actors.app.account.address.toLowerCase() as Hex;
    const signers = Object.keys(keys) as Hex[];
    const unknown = Array.from({ length: 4 }, () => unknownTaskKey());
    const all = [tasks.started, tasks.scored, tasks.ended];
    const taskKeys = () =>
      r.pick([
        ...all.map((t) => t.taskKey),
        ...unknown,
        '0x1234',
        'not-a-key',
        `0x${'g'.repeat(64)}`,
        '%00',
        '..',
        'a'.repeat(400),
      ]);
    const names = [
      '0.png',
      '1.png',
      'result.json',
      '../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e',
      'x.png',
      '64.png',
      '-1.png',
      '0.PNG',
      'a'.repeat(300),
      '%00.png',
      '0.png%00',
      '',
    ];
    const hex32 = () => bytesToHex(r.bytes(32));
    const paths = () => {
      const key = taskKeys();
      const task = all.find((t) => t.taskKey === key);
      return r.pick([
        () => `/v1/tasks/${key}/args`,
        () => `/v1/tasks/${key}/args?salt=${r.chance(0.5) && task ? task.salt : hex32()}`,
        () => `/v1/tasks/${key}/result`,
        () => `/v1/tasks/${key}/result/commit`,
        () => `/v1/tasks/${key}/result/files/${r.pick(names)}`,
        () =>
          `/v1/args/${r.chance(0.5) && task ? task.argsCommitment : hex32()}?salt=${hex32()}&taskType=${r.pick(['sd', 'llm', 'sd_ft', 'x', ''])}`,
        () => `/v1/args/${hex32()}`,
        () =>
          r.pick([
            '/healthz',
            '/readyz',
            '/v1/info',
            '/openapi.json',
            '/metrics',
            '/',
            '/v1',
            '/v1/tasks',
            '/v2/x',
            '/v1/tasks//args',
          ]),
      ])();
    };
    const bodies = (): { body: Buffer | undefined; type: string | undefined } => {
      const type = r.pick([
        undefined,
        'application/json',
        'application/octet-stream',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-8',
      ]);
      const body = r.pick([
        () => undefined,
        () => Buffer.from(r.bytes(r.int(2048))),
        () => Buffer.from('{"score":'),
        () => Buffer.from(JSON.stringify({ score })),
        () =>
          Buffer.from(
            JSON.stringify({ score: r.pick([123, null, '0xzz', '0x', `0x${'00'.repeat(600)}`, [], {}]) }),
          ),
        () => Buffer.from(JSON.stringify({ score, extra: true })),
        () => Buffer.from(png),
        () => Buffer.from(tasks.started.bytes),
        () => Buffer.alloc(70_000, 0x20),
        () => Buffer.from('[]'),
        () => Buffer.from('"\\ud800"'),
      ])();
      return { body, type };
    };

    const counts = new Map<string, number>();
    let replayable:
      | { method: string; url: string; headers: Record<string, string>; payload?: Buffer }
      | undefined;
    const started = Date.now();
    for (let i = 0; i < REQUESTS; i++) {
      const url = paths();
      // Mostly the method the route takes, so requests get past routing into the checks.
      const natural = url.includes('/commit')
        ? 'POST'
        : url.startsWith('/v1/args') || url.includes('/files/')
          ? r.pick(['PUT', 'GET'])
          : url.endsWith('/args') || url.includes('/args?')
            ? r.pick(['GET', 'PUT'])
            : 'GET';
      const method = r.chance(0.85) ? natural : r.pick(['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD']);
      const { body, type } = bodies();
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      const signer = r.pick(signers);
      const signed = r.chance(0.85);
      if (signed) {
        const bodyHash = bytesToHex(sha256(body ?? new Uint8Array())) as Hex;
        const timestamp = BigInt(Math.floor(Date.now() / 1000));
        const nonce = hex32();
        const message = { method, path: url, bodyHash, timestamp, nonce };
        const mutation = r.pick([
          'none',
          'none',
          'none',
          'drop',
          'sig',
          'time',
          'nonce',
          'hash',
          'address',
          'path',
          'garbage',
        ]);
        if (mutation === 'hash') message.bodyHash = hex32();
        if (mutation === 'path') message.path = `${url}x`;
        if (mutation === 'time') message.timestamp = timestamp + BigInt(r.pick([-3600, 3600, -61]));
        const digest = getRelayRequestDigest(domain, message);
        const { signature, recid } = secp256k1.ecdsaSign(digest, keys[signer]!);
        let sig = `${bytesToHex(signature)}${(27 + recid).toString(16)}`;
        if (mutation === 'sig') sig = sig.replace(/[0-9a-f]/, (c) => (c === '0' ? '1' : '0'));
        headers['x-verinet-address'] = mutation === 'address' ? r.pick(signers) : signer;
        headers['x-verinet-timestamp'] =
          mutation === 'garbage'
            ? r.pick(['-1', 'abc', '1e9', '99999999999999999999', ''])
            : String(message.timestamp);
        headers['x-verinet-nonce'] = mutation === 'nonce' ? '0x12' : nonce;
        headers['x-verinet-body-hash'] = message.bodyHash;
        headers['x-verinet-signature'] = sig;
        if (mutation === 'drop')
          delete headers[r.pick(Object.keys(headers).filter((h) => h.startsWith('x-verinet')))];
      }
      const request =
        replayable && r.chance(0.02)
          ? replayable
          : { method, url, headers, ...(body ? { payload: body } : {}) };
      const response = await relay.app.inject(request as never);
      if (signed && response.statusCode < 300 && request !== replayable)
        replayable = request as typeof replayable;
      const where = `request #${i} (seed ${seed}): ${request.method} ${request.url.slice(0, 120)} → ${response.statusCode} ${response.body.slice(0, 200)}`;
      assert.ok(response.statusCode < 500, where);
      if (response.statusCode >= 400 && request.method !== 'HEAD') {
        const parsed = JSON.parse(response.body) as {
          error: { code: keyof typeof relayErrors; message: string };
        };
        assert.ok(parsed.error.code in relayErrors, where);
        assert.equal(relayErrors[parsed.error.code].status, response.statusCode, where);
        assert.ok(parsed.error.message.length > 0, where);
        counts.set(parsed.error.code, (counts.get(parsed.error.code) ?? 0) + 1);
      } else counts.set(String(response.statusCode), (counts.get(String(response.statusCode)) ?? 0) + 1);
      const who = request.headers['x-verinet-address']?.toLowerCase();
      if (response.body.includes(SECRET)) {
        const task = all.find((t) => request.url.startsWith(`/v1/tasks/${t.taskKey}/args`));
        assert.ok(task && request.method === 'GET' && who === task.node, `args leaked: ${where}`);
      }
      if (response.statusCode === 200 && request.url.includes('/result/files/') && request.method === 'GET')
        assert.equal(who, app, `result leaked: ${where}`);
    }
    const elapsed = (Date.now() - started) / 1000;
    console.log(
      `# fuzz: ${REQUESTS} requests in ${elapsed.toFixed(1)} s (seed ${seed}): ${JSON.stringify(Object.fromEntries([...counts].sort()))}`,
    );
  });
});

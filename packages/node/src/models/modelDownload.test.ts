/**
 * Automatic model download: a node without the task's model fetches it from a model server (a local HTTP
 * server on 127.0.0.1) or a local folder, with sha256 checks; a corrupt file is refused and retried, never
 * reported on chain. Real anvil, real contracts, the real worker with the tiny GPT-2.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { resolveModel } from '@verinet/worker/models';
import { parseEther } from 'viem';
import { contractsOf, readOwed, readTask } from '../chain/taskManager.js';
import { ModelSourceError } from '../errors/index.js';
import { getTask, listLog } from '../store/index.js';
import { createTestTask, joinTestNode, validateTestTask } from '../testing/app.js';
import { createMemoryRelay } from '../testing/createMemoryRelay.js';
import { startTestDevnet, type TestDevnet, waitFor } from '../testing/devnet.js';
import { startTestNode, type TestNode } from '../testing/startTestNode.js';
import { createModelProvider } from './createModelProvider.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const root = mkdtempSync(join(tmpdir(), 'verinet-models-'));
const served = join(root, 'served');
const folder = 'verinet--tiny-gpt2';
const weights = join(served, folder, 'onnx', 'model.onnx');
let server: Server;
let serverUrl: string;
let requests = 0;
let devnet: TestDevnet;
let node: TestNode;
const relay = createMemoryRelay();

before(async () => {
  await writeTinyGpt2({ modelsDir: served });
  // A static model server with HTTP Range (downloads resume), on loopback.
  server = createServer((request, response) => {
    requests++;
    const path = normalize(join(served, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
    let bytes: Buffer;
    try {
      if (!path.startsWith(served)) throw new Error('outside');
      bytes = readFileSync(path);
    } catch {
      response.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      if (start >= bytes.length) {
        response.writeHead(416).end();
        return;
      }
      response.writeHead(206, {
        'content-length': bytes.length - start,
        'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      });
      response.end(bytes.subarray(start));
      return;
    }
    response.writeHead(200, { 'content-length': bytes.length });
    response.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  devnet = await startTestDevnet();
  await joinTestNode(devnet, 7, ['base:verinet/tiny-gpt2']);
  node = await startTestNode({
    devnet,
    index: 7,
    relay,
    dataDir: join(root, 'node'),
    modelsDir: join(root, 'node-models'),
    modelSource: serverUrl,
  });
}, setupTimeout);
after(async () => {
  await node?.stop();
  await devnet?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

describe('automatic model download', { timeout: 240_000 }, () => {
  it('fetches a missing model from the model server; a corrupt file is refused and retried, never reported', async () => {
    const good = readFileSync(weights);
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0xff;
    writeFileSync(weights, bad);
    const fee = parseEther('0.01');
    const task = await createTestTask(
      devnet,
      19,
      'llm',
      {
        model: 'verinet/tiny-gpt2',
        messages: [{ role: 'user', content: 'fetch me' }],
        generation_config: { max_new_tokens: 3 },
      },
      fee,
    );
    relay.putArgs(task.taskKey, task.bytes, task.salt);
    await waitFor(
      () => /fetch from .* failed/.test(getTask(node.store, task.taskKey)?.lastError ?? ''),
      60_000,
      'a refused download',
    );
    assert.match(getTask(node.store, task.taskKey)!.lastError!, /sha-?256|checksum/i);
    assert.equal(
      getTask(node.store, task.taskKey)?.step,
      'args_ready',
      'waiting for the model, not given up',
    );
    assert.equal(
      (await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey)).state,
      'Started',
    );
    // The server gets the right file: the next retry downloads it, verifies it, and the task runs.
    writeFileSync(weights, good);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
    await resolveModel({ modelsDir: join(root, 'node-models'), modelId: 'verinet/tiny-gpt2' });
    assert.ok(
      listLog(node.store, 50).some((l) => /Model verinet\/tiny-gpt2 fetched and verified/.test(l.message)),
    );
    await validateTestTask(devnet, 19, task.taskKey);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
    assert.equal(await readOwed(devnet.client, contractsOf(devnet.deployment), task.node!), fee);
  });

  it('a model already in the store is not fetched again; concurrent asks share one download', async () => {
    const before = requests;
    const provider = createModelProvider({ modelsDir: join(root, 'node-models'), source: serverUrl });
    assert.deepEqual(await provider.ensure('verinet/tiny-gpt2'), { fetched: false, bytes: 0 });
    assert.equal(requests, before, 'no request for a model that verifies');
    const fresh = createModelProvider({ modelsDir: join(root, 'fresh'), source: serverUrl });
    const [a, b] = await Promise.all([fresh.ensure('verinet/tiny-gpt2'), fresh.ensure('verinet/tiny-gpt2')]);
    assert.equal(a, b);
    assert.ok(a.fetched && a.bytes > 0);
  });

  it('from a local folder: copied and checked against its manifest; a corrupt copy is refused', async () => {
    const share = join(root, 'share');
    cpSync(served, share, { recursive: true });
    const provider = createModelProvider({ modelsDir: join(root, 'from-folder'), source: share });
    assert.equal((await provider.ensure('verinet/tiny-gpt2')).fetched, true);
    await resolveModel({ modelsDir: join(root, 'from-folder'), modelId: 'verinet/tiny-gpt2' });
    const copy = join(share, folder, 'onnx', 'model.onnx');
    const bytes = readFileSync(copy);
    bytes[0]! ^= 0xff;
    writeFileSync(copy, bytes);
    const other = createModelProvider({ modelsDir: join(root, 'from-corrupt'), source: share });
    await assert.rejects(other.ensure('verinet/tiny-gpt2'), (error: unknown) => {
      assert.ok(error instanceof ModelSourceError);
      assert.match(error.message, /model\.onnx does not match the sha256/);
      return true;
    });
    await assert.rejects(other.ensure('nobody/absent'), /does not exist/);
    assert.throws(() => createModelProvider({ modelsDir: root, source: 'ftp://x' }), ModelSourceError);
  });
});

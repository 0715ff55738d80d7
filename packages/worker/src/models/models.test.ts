import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createTinyGpt2Files } from '../llm/tiny/writeTinyGpt2.js';
import { WorkerSupervisor } from '../process/supervisor.js';
import { assertExecutionProvider, cudaProviderFiles } from './assertExecutionProvider.js';
import { downloadFile } from './downloadFile.js';
import {
  DownloadChecksumError,
  DownloadConnectionError,
  DownloadHttpError,
  DownloadInterruptedError,
  DownloadTimeoutError,
  MissingExecutionProviderError,
  ModelExistsError,
  ModelIdError,
  ModelIdMismatchError,
  ModelImportError,
  ModelIntegrityError,
  ModelNotFoundError,
} from './errors.js';
import { fetchModel } from './fetchModel.js';
import { getModelFolderName } from './getModelDir.js';
import { importModel } from './importModel.js';
import { listModels } from './listModels.js';
import { createManifest, type ModelManifest, writeManifest } from './manifest.js';
import { resolveModel } from './resolveModel.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
const payloadSha = createHash('sha256').update(payload).digest('hex');

type Mode = 'normal' | 'cut-once' | 'hang' | 'ignore-range';
let mode: Mode = 'normal';
let requests: { path: string; range: string | undefined }[] = [];
const files = new Map<string, Buffer>();
let server: Server;
let base: string;
let root: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  requests.push({ path, range: req.headers.range });
  const body = files.get(path);
  if (!body) {
    res.writeHead(404).end('not found');
    return;
  }
  if (mode === 'hang') {
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, 1000));
    return; // never finishes
  }
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && mode !== 'ignore-range') {
    start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      'content-length': body.length - start,
    });
  } else {
    res.writeHead(200, { 'content-length': body.length });
  }
  if (mode === 'cut-once') {
    mode = 'normal';
    res.write(body.subarray(start, start + 100_000), () => res.destroy());
    return;
  }
  res.end(body.subarray(start));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-models-'));
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, setupTimeout);
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);
beforeEach(() => {
  mode = 'normal';
  requests = [];
  files.clear();
  files.set('/blob.bin', payload);
}, setupTimeout);

describe('downloadFile', () => {
  test('downloads the whole file and verifies it', async () => {
    const dest = join(root, 'full', 'blob.bin');
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha, size: payload.length });
    assert.deepEqual(await readFile(dest), payload);
    await assert.rejects(stat(`${dest}.partial`));
  });

  test('resumes an interrupted transfer with a Range request', async () => {
    const dest = join(root, 'resume', 'blob.bin');
    mode = 'cut-once';
    await assert.rejects(
      downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha }),
      DownloadInterruptedError,
    );
    const kept = (await stat(`${dest}.partial`)).size;
    assert.ok(kept > 0 && kept < payload.length, `partial holds ${kept} bytes`);
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha });
    assert.deepEqual(await readFile(dest), payload);
    assert.equal(requests.at(-1)?.range, `bytes=${kept}-`);
  });

  test('a server that ignores Range gets the whole file rewritten', async () => {
    const dest = join(root, 'norange', 'blob.bin');
    await mkdir(join(root, 'norange'));
    await writeFile(`${dest}.partial`, payload.subarray(0, 5000));
    mode = 'ignore-range';
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha });
    assert.deepEqual(await readFile(dest), payload);
    // The whole body of the 200 answer was taken: one request.
    assert.equal(requests.length, 1);
  });

  test('a complete partial left by a crash before the rename is verified, not fetched again (416)', async () => {
    const dest = join(root, 'complete', 'blob.bin');
    await mkdir(join(root, 'complete'));
    await writeFile(`${dest}.partial`, payload);
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha, size: payload.length });
    assert.deepEqual(await readFile(dest), payload);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.range, `bytes=${payload.length}-`);
  });

  test('a stale partial of an older version is resumed, fails, and is fetched again from 0 in the same call', async () => {
    const dest = join(root, 'stale', 'blob.bin');
    await mkdir(join(root, 'stale'));
    const older = Buffer.from(payload.map((b) => b ^ 0x5a));
    await writeFile(`${dest}.partial`, older.subarray(0, 100_000));
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha, size: payload.length });
    assert.deepEqual(await readFile(dest), payload);
    await assert.rejects(stat(`${dest}.partial`));
    assert.deepEqual(
      requests.map((r) => r.range),
      ['bytes=100000-', undefined],
    );
  });

  test('a partial longer than the new file: 416, then from 0 in the same call', async () => {
    const dest = join(root, 'shrunk', 'blob.bin');
    await mkdir(join(root, 'shrunk'));
    const newer = payload.subarray(0, 150_000);
    files.set('/blob.bin', newer);
    await writeFile(`${dest}.partial`, Buffer.concat([newer, Buffer.alloc(50_000, 7)]));
    const sha = createHash('sha256').update(newer).digest('hex');
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: sha });
    assert.deepEqual(await readFile(dest), newer);
    assert.deepEqual(
      requests.map((r) => r.range),
      ['bytes=200000-', undefined],
    );
  });

  test('a stale partial of the full length (416 without a match) is fetched again', async () => {
    const dest = join(root, 'fullstale', 'blob.bin');
    await mkdir(join(root, 'fullstale'));
    await writeFile(`${dest}.partial`, Buffer.alloc(payload.length, 1));
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha, size: payload.length });
    assert.deepEqual(await readFile(dest), payload);
    assert.equal(requests.length, 2);
  });

  test('a partial larger than the expected size is dropped before any request', async () => {
    const dest = join(root, 'oversize', 'blob.bin');
    await mkdir(join(root, 'oversize'));
    await writeFile(`${dest}.partial`, Buffer.alloc(payload.length + 10, 1));
    await downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha, size: payload.length });
    assert.deepEqual(await readFile(dest), payload);
    assert.deepEqual(
      requests.map((r) => r.range),
      [undefined],
    );
  });

  test('a server whose file changed length (Content-Range total) is not appended to; a wrong whole file is a checksum error', async () => {
    const dest = join(root, 'changed', 'blob.bin');
    await mkdir(join(root, 'changed'));
    await writeFile(`${dest}.partial`, payload.subarray(0, 1000));
    // The manifest promises 10 more bytes than the server holds: the server has another file.
    await assert.rejects(
      downloadFile({ url: `${base}/blob.bin`, dest, sha256: '1'.repeat(64), size: payload.length + 10 }),
      DownloadChecksumError,
    );
    assert.deepEqual(
      requests.map((r) => r.range),
      ['bytes=1000-', undefined],
    );
    await assert.rejects(stat(`${dest}.partial`));
    await assert.rejects(stat(dest));
  });

  test('a checksum mismatch deletes the partial and throws DownloadChecksumError', async () => {
    const dest = join(root, 'bad', 'blob.bin');
    await assert.rejects(
      downloadFile({ url: `${base}/blob.bin`, dest, sha256: '0'.repeat(64) }),
      DownloadChecksumError,
    );
    await assert.rejects(stat(dest));
    await assert.rejects(stat(`${dest}.partial`));
  });

  test('404 is a DownloadHttpError with the status', async () => {
    await assert.rejects(
      downloadFile({ url: `${base}/missing.bin`, dest: join(root, 'x', 'missing.bin'), sha256: payloadSha }),
      (error: unknown) => error instanceof DownloadHttpError && error.status === 404,
    );
  });

  test('a server that stops sending times out and keeps the partial', async () => {
    const dest = join(root, 'hang', 'blob.bin');
    mode = 'hang';
    await assert.rejects(
      downloadFile({ url: `${base}/blob.bin`, dest, sha256: payloadSha, idleTimeoutMs: 200 }),
      DownloadTimeoutError,
    );
    assert.equal((await stat(`${dest}.partial`)).size, 1000);
  });
});

describe('model store', () => {
  test('folder names are one-to-one and reject escapes', () => {
    assert.equal(getModelFolderName('Qwen/Qwen2.5-0.5B-Instruct'), 'Qwen--Qwen2.5-0.5B-Instruct');
    assert.equal(getModelFolderName('gpt2'), 'gpt2');
    for (const bad of ['../etc', 'a/b/c', 'a--b/c', '', '/abs', 'a/.hidden', 'a b']) {
      assert.throws(() => getModelFolderName(bad), ModelIdError, bad);
    }
  });

  test('fetchModel installs a model from a manifest; resolveModel finds and checks it', async () => {
    const source = join(root, 'source');
    await mkdir(join(source, 'onnx'), { recursive: true });
    await writeFile(join(source, 'config.json'), '{"model_type":"gpt2"}');
    await writeFile(join(source, 'onnx', 'model.onnx'), payload);
    const manifest = await createManifest(source, 'verinet/tiny', 'llm');
    files.set('/tiny/verinet-model.json', Buffer.from(JSON.stringify(manifest)));
    files.set('/tiny/config.json', await readFile(join(source, 'config.json')));
    files.set('/tiny/onnx/model.onnx', payload);

    const modelsDir = join(root, 'store');
    await assert.rejects(resolveModel({ modelsDir, modelId: 'verinet/tiny' }), (error: unknown) => {
      assert.ok(error instanceof ModelNotFoundError);
      assert.match(error.message, /verinet model fetch verinet\/tiny/);
      return true;
    });
    await fetchModel({ modelsDir, modelId: 'verinet/tiny', baseUrl: `${base}/tiny` });
    const resolved = await resolveModel({ modelsDir, modelId: 'verinet/tiny', check: 'sha256' });
    assert.equal(resolved.dir, join(modelsDir, 'verinet--tiny'));
    assert.deepEqual(await readFile(join(resolved.dir, 'onnx', 'model.onnx')), payload);
    assert.deepEqual(
      (await listModels(modelsDir, 'llm')).map((m: ModelManifest) => m.modelId),
      ['verinet/tiny'],
    );
    assert.deepEqual(await listModels(modelsDir, 'sd'), []);

    // A damaged file is caught: size by default, content with check: 'sha256'.
    const modelFile = join(resolved.dir, 'onnx', 'model.onnx');
    const damaged = Buffer.from(payload);
    damaged[10] = damaged[10]! ^ 1;
    await writeFile(modelFile, damaged);
    await resolveModel({ modelsDir, modelId: 'verinet/tiny' });
    await assert.rejects(
      resolveModel({ modelsDir, modelId: 'verinet/tiny', check: 'sha256' }),
      ModelIntegrityError,
    );
    await writeFile(modelFile, 'short');
    await assert.rejects(resolveModel({ modelsDir, modelId: 'verinet/tiny' }), ModelIntegrityError);
  });

  test('a manifest naming another model is an id mismatch naming both ids, not damage', async () => {
    const dir = join(root, 'store2', 'a--b');
    await mkdir(dir, { recursive: true });
    await writeManifest(dir, { format: 1, modelId: 'x/y', taskType: 'llm', files: [] });
    await assert.rejects(
      resolveModel({ modelsDir: join(root, 'store2'), modelId: 'a/b' }),
      (error: unknown) => {
        assert.ok(error instanceof ModelIdMismatchError);
        assert.equal(error.expected, 'a/b');
        assert.equal(error.found, 'x/y');
        assert.doesNotMatch(error.message, /damaged/);
        return true;
      },
    );
    files.set(
      '/other/verinet-model.json',
      Buffer.from(JSON.stringify({ format: 1, modelId: 'x/y', taskType: 'llm', files: [] })),
    );
    const modelsDir = join(root, 'store-mismatch');
    await assert.rejects(
      fetchModel({ modelsDir, modelId: 'a/b', baseUrl: `${base}/other` }),
      (error: unknown) =>
        error instanceof ModelIdMismatchError && /a\/b/.test(error.message) && /x\/y/.test(error.message),
    );
    await assert.rejects(stat(modelsDir), 'no folder is left behind');
  });

  test('a failed fetch leaves no empty folders (refused connection, 404 manifest, 404 file)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/m`;
    await new Promise((resolve) => closed.close(resolve));
    const modelsDir = join(root, 'store-failed', 'models');
    await assert.rejects(
      fetchModel({ modelsDir, modelId: 'a/b', baseUrl: deadUrl }),
      (error: unknown) => error instanceof DownloadConnectionError && /ECONNREFUSED/.test(error.message),
    );
    await assert.rejects(stat(join(root, 'store-failed')));
    await assert.rejects(
      fetchModel({ modelsDir, modelId: 'a/b', baseUrl: `${base}/nothing` }),
      DownloadHttpError,
    );
    await assert.rejects(stat(join(root, 'store-failed')));
    const manifest: ModelManifest = {
      format: 1,
      modelId: 'a/b',
      taskType: 'llm',
      files: [{ path: 'onnx/model.onnx', size: 3, sha256: '0'.repeat(64) }],
    };
    files.set('/broken/verinet-model.json', Buffer.from(JSON.stringify(manifest)));
    await assert.rejects(
      fetchModel({ modelsDir, modelId: 'a/b', baseUrl: `${base}/broken` }),
      DownloadHttpError,
    );
    await assert.rejects(stat(join(root, 'store-failed')), 'the store folder this call made is gone too');
    // An existing store keeps its folder; only the empty staging goes.
    await mkdir(modelsDir, { recursive: true });
    await assert.rejects(
      fetchModel({ modelsDir, modelId: 'a/b', baseUrl: `${base}/broken` }),
      DownloadHttpError,
    );
    assert.deepEqual(await readdir(modelsDir), []);
  });
});

describe('importModel', () => {
  async function writeFolder(dir: string, entries: Map<string, Uint8Array | string>): Promise<void> {
    for (const [path, content] of entries) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  }

  test('imports an LLM folder: type detected, files copied (not linked), manifest with sha256 per file', async () => {
    const source = join(root, 'import-llm');
    await writeFolder(source, createTinyGpt2Files(0));
    // What a Hugging Face download leaves beside the model: hidden cache folders, links into blobs/.
    await writeFolder(
      source,
      new Map([
        ['.cache/huggingface/download/x.lock', 'lock'],
        ['.gitattributes', '*'],
      ]),
    );
    await mkdir(join(root, 'blobs'));
    await writeFile(join(root, 'blobs', 'readme'), 'a model card');
    await symlink(join(root, 'blobs', 'readme'), join(source, 'README.md'));
    const modelsDir = join(root, 'import-store');

    const manifest = await importModel({ modelsDir, sourceDir: source, modelId: 'me/tiny-llm' });
    assert.equal(manifest.taskType, 'llm');
    assert.equal(manifest.modelId, 'me/tiny-llm');
    assert.deepEqual(
      manifest.files.map((f) => f.path),
      [
        'README.md',
        'config.json',
        'generation_config.json',
        'onnx/model.onnx',
        'tokenizer.json',
        'tokenizer_config.json',
      ],
    );
    const onnx = manifest.files.find((f) => f.path === 'onnx/model.onnx')!;
    const bytes = await readFile(join(source, 'onnx', 'model.onnx'));
    assert.equal(onnx.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(onnx.size, bytes.length);
    const resolved = await resolveModel({ modelsDir, modelId: 'me/tiny-llm', check: 'sha256' });
    assert.notEqual(
      (await stat(join(resolved.dir, 'onnx', 'model.onnx'))).ino,
      (await stat(join(source, 'onnx', 'model.onnx'))).ino,
    );
    assert.equal((await stat(join(resolved.dir, 'README.md'))).isSymbolicLink(), false);
    assert.deepEqual(await readdir(modelsDir), ['me--tiny-llm'], 'no staging folder left');

    // The same files again: the stored manifest, nothing replaced.
    assert.deepEqual(await importModel({ modelsDir, sourceDir: source, modelId: 'me/tiny-llm' }), manifest);
    // Other files under the same id: refused unless replace.
    await writeFile(join(source, 'config.json'), '{"model_type":"gpt2","changed":true}');
    await assert.rejects(
      importModel({ modelsDir, sourceDir: source, modelId: 'me/tiny-llm' }),
      ModelExistsError,
    );
    assert.deepEqual(await readdir(modelsDir), ['me--tiny-llm']);
    const replaced = await importModel({
      modelsDir,
      sourceDir: source,
      modelId: 'me/tiny-llm',
      replace: true,
    });
    assert.notEqual(
      replaced.files.find((f) => f.path === 'config.json')!.sha256,
      manifest.files.find((f) => f.path === 'config.json')!.sha256,
    );
    await resolveModel({ modelsDir, modelId: 'me/tiny-llm', check: 'sha256' });
  });

  test('detects a diffusers SD folder; refuses unknown layouts, missing files, missing folders and files', async () => {
    const sd = join(root, 'import-sd');
    await writeFolder(
      sd,
      new Map([
        ['model_index.json', '{}'],
        ['unet/model.onnx', 'x'],
        ['text_encoder/model.onnx', 'y'],
      ]),
    );
    const modelsDir = join(root, 'import-store-2');
    assert.equal((await importModel({ modelsDir, sourceDir: sd, modelId: 'me/sd' })).taskType, 'sd');

    const unknown = join(root, 'import-unknown');
    await writeFolder(unknown, new Map([['weights.bin', 'x']]));
    await assert.rejects(
      importModel({ modelsDir, sourceDir: unknown, modelId: 'me/u' }),
      (error: unknown) => {
        assert.ok(error instanceof ModelImportError);
        assert.match(error.message, /cannot tell what kind of model/);
        return true;
      },
    );
    const pytorchOnly = join(root, 'import-pt');
    await writeFolder(
      pytorchOnly,
      new Map([
        ['config.json', '{}'],
        ['tokenizer.json', '{}'],
        ['model.safetensors', 'x'],
      ]),
    );
    await assert.rejects(
      importModel({ modelsDir, sourceDir: pytorchOnly, modelId: 'me/pt' }),
      (error: unknown) => {
        assert.ok(error instanceof ModelImportError);
        assert.match(error.message, /tokenizer_config\.json, onnx\/model\.onnx missing/);
        return true;
      },
    );
    await assert.rejects(
      importModel({ modelsDir, sourceDir: join(root, 'nope'), modelId: 'me/x' }),
      /no such folder/,
    );
    await assert.rejects(
      importModel({ modelsDir, sourceDir: join(sd, 'model_index.json'), modelId: 'me/x' }),
      /not a folder/,
    );
    await assert.rejects(importModel({ modelsDir, sourceDir: sd, modelId: '../evil' }), ModelIdError);
    assert.deepEqual(await readdir(modelsDir), ['me--sd'], 'failed imports leave nothing behind');
  });
});

describe('execution providers', () => {
  test('cpu is always there; cuda without its provider libraries is a missing provider saying how to install it', async () => {
    assertExecutionProvider('cpu');
    const empty = join(root, 'ort-bin-empty');
    await mkdir(empty);
    assert.throws(
      () => assertExecutionProvider('cuda', { binDir: empty }),
      (error: unknown) => {
        assert.ok(error instanceof MissingExecutionProviderError);
        assert.match(error.message, /Execution provider cuda is not available/);
        assert.match(
          error.message,
          /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install/,
        );
        assert.doesNotMatch(error.message, /not in the local model store|damaged/);
        return true;
      },
    );
    const installed = join(root, 'ort-bin-cuda');
    await mkdir(installed);
    for (const file of cudaProviderFiles) await writeFile(join(installed, file), '');
    if (process.platform === 'linux' && process.arch === 'x64')
      assertExecutionProvider('cuda', { binDir: installed });
  });

  test('a worker started with --execution-provider cuda on this CPU box exits saying the provider is missing', async () => {
    assert.throws(
      () => assertExecutionProvider('cuda'),
      MissingExecutionProviderError,
      'this box has no CUDA provider',
    );
    const worker = new WorkerSupervisor({
      modelsDir: root,
      executionProvider: 'cuda',
      handshakeTimeoutMs: 30_000,
    });
    try {
      await assert.rejects(worker.start(), (error: unknown) => {
        assert.equal((error as Error).name, 'WorkerCrashedError');
        assert.match((error as Error).message, /Execution provider cuda is not available/);
        assert.doesNotMatch((error as Error).message, /not in the local model store|damaged/);
        return true;
      });
    } finally {
      await worker.stop();
    }
  });
});

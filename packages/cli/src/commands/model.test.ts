import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeTinySdModel } from '@verinet/worker/sd/tiny';

const bin = resolve(fileURLToPath(import.meta.url), '../../bin.ts');
const run = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });

describe('verinet model', () => {
  const source = mkdtempSync(join(tmpdir(), 'verinet-models-src-'));
  const target = mkdtempSync(join(tmpdir(), 'verinet-models-dst-'));
  after(() => {
    rmSync(source, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  });

  it('fetches a model over HTTP into the store and verifies it; a missing model is a clear error', async () => {
    const modelDir = await writeTinySdModel({ modelsDir: source, modelId: 'verinet/tiny-sd' });
    const server = createServer((request, response) => {
      const path = normalize(
        join(modelDir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)),
      );
      if (!path.startsWith(modelDir)) return void response.writeHead(403).end();
      try {
        response.writeHead(200).end(readFileSync(path));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const url = `http://127.0.0.1:${port}/`;
      const fetched = await run('model', 'fetch', 'verinet/tiny-sd', '--url', url, '--models-dir', target);
      assert.equal(fetched.status, 0, fetched.stderr);
      const verified = await run('model', 'verify', 'verinet/tiny-sd', '--models-dir', target);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /every file matches its sha256/);
      const missing = await run('model', 'verify', 'verinet/absent', '--models-dir', target);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /not in the local model store/);
    } finally {
      server.close();
    }
  });
});

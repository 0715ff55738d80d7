import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TaskRecord } from '@verinet/sdk';
import { formatError } from '../cli/formatError.js';
import { output } from '../cli/output.js';
import { chainAnswers, followTask, formatNonceRace, isNonceRace } from './followTask.js';
import type { TaskNetwork } from './resolveTaskNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const id = '6aa4b4a1f1fd4bffb2e2b67889f1a716';
const record = (phase: TaskRecord['phase']) => ({ id, phase }) as TaskRecord;
const network = (overrides: Partial<TaskNetwork> = {}): TaskNetwork => ({
  kind: 'configured',
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:9',
  relayUrl: 'http://127.0.0.1:9',
  deploymentFile: '',
  loadKey: async () => '0x',
  storePath: '',
  gpu: undefined,
  models: [],
  modelTypes: {},
  modelsDir: undefined,
  ...overrides,
});
const sdkError = (name: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { name, ...extra });
const oneLine = (error: unknown) => formatError(error, { verbose: false });

describe('task run / resume say which part of the network stopped, and that the task is saved', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verinet-follow-'));
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);

  it('Ctrl-C (a real SIGINT) aborts the SDK and ends with one line saying the task is saved, as docs/devnet.md says', () => {
    // In a process of its own: the test runner stops a test file's process on SIGINT.
    const script = join(dir, 'sigint.mts');
    writeFileSync(
      script,
      `import { followTask } from ${JSON.stringify(new URL('./followTask.ts', import.meta.url).href)};
import { formatError } from ${JSON.stringify(new URL('../cli/formatError.ts', import.meta.url).href)};
const network = { kind: 'configured', chainId: 31337, rpcUrl: 'http://127.0.0.1:9', relayUrl: 'http://127.0.0.1:9', models: [], modelTypes: {} };
const listeners = process.listenerCount('SIGINT');
const follow = followTask(network, { timeoutS: 60 });
const aborted = new Promise((resolve) => follow.signal.addEventListener('abort', resolve));
// The signal comes asynchronously: a timer keeps the process alive until it did.
const alive = setTimeout(() => {}, 30_000);
process.kill(process.pid, 'SIGINT');
await aborted;
clearTimeout(alive);
const error = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
for (const phase of ['running', 'prepared'])
  console.log(formatError(await follow.explain(error, '${id}', { id: '${id}', phase, previous: [] }), { verbose: false }));
follow.stop();
console.log(process.listenerCount('SIGINT') === listeners ? 'handler removed' : 'handler left');
`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        `error: Stopped (Ctrl-C); the task is saved: \`verinet task resume ${id}\` finishes it.`,
        `error: Stopped (Ctrl-C); the task ${id} was not sent, nothing was paid.`,
        'handler removed',
        '',
      ].join('\n'),
    );
    assert.match(
      run.stderr,
      /stopping {9}Ctrl-C: stopping at the next step \(Ctrl-C again to stop at once\)/,
    );
  });

  it('the chain that stopped answering (after the SDK retried) is named by its URL', async () => {
    const follow = followTask(network(), { timeoutS: 60 });
    const error = sdkError(
      'ChainRequestError',
      'getTask: the chain RPC did not answer (HTTP request failed.).',
    );
    assert.equal(
      oneLine(await follow.explain(error, id, record('running'))),
      `error: The chain at http://127.0.0.1:9 stopped answering; the task is saved: \`verinet task resume ${id}\` finishes it once it answers again.`,
    );
    follow.stop();
  });

  it("a chain killed under a read (viem's bare HttpRequestError) is named too, once the chain is asked", async () => {
    const follow = followTask(network(), { timeoutS: 60 });
    const error = sdkError('HttpRequestError', 'HTTP request failed.');
    assert.equal(
      oneLine(await follow.explain(error, id, record('running'))),
      `error: The chain at http://127.0.0.1:9 stopped answering; the task is saved: \`verinet task resume ${id}\` finishes it once it answers again.`,
    );
    follow.stop();
  });

  it('a relay that cannot be reached before anything was paid says so', async () => {
    const follow = followTask(network({ relayUrl: 'http://127.0.0.1:8600' }), { timeoutS: 60 });
    const error = sdkError('RelayRequestError', 'The relay answered 0 UNREACHABLE: cannot reach …', {
      code: 'UNREACHABLE',
    });
    assert.equal(
      oneLine(await follow.explain(error, id, record('prepared'))),
      `error: The relay at http://127.0.0.1:8600 stopped answering; the task ${id} was not sent, nothing was paid.`,
    );
    follow.stop();
  });

  it('review s9 #4: a resubmission not sent yet is saved (its earlier attempt was paid), not "nothing was paid"', async () => {
    const follow = followTask(network({ relayUrl: 'http://127.0.0.1:8600' }), { timeoutS: 60 });
    const error = sdkError('RelayRequestError', 'The relay answered 0 UNREACHABLE: cannot reach …', {
      code: 'UNREACHABLE',
    });
    const resubmitted = {
      id,
      phase: 'prepared',
      resubmits: 1,
      previous: [`0x${'1'.repeat(64)}`],
    } as TaskRecord;
    assert.equal(
      oneLine(await follow.explain(error, id, resubmitted)),
      `error: The relay at http://127.0.0.1:8600 stopped answering; the task is saved: \`verinet task resume ${id}\` finishes it once it answers again.`,
    );
    follow.stop();
  });

  it('a nonce race is a progress line, first in words, then short; one that never settles says what to do', async () => {
    const message =
      'createTask: the chain RPC refused the transaction (nonce too low): another transaction from this account took its nonce (several processes sending from one account?)';
    assert.ok(isNonceRace(message));
    assert.ok(!isNonceRace('getTask: the chain RPC did not answer (HTTP request failed.).'));
    const event = {
      type: 'retry',
      id,
      at: 0,
      step: 'createTask',
      attempt: 1,
      delayMs: 500,
      error: message,
    } as const;
    assert.match(
      formatNonceRace(event, true),
      /^nonce taken {6}another process paying from this account .* signed again with the next nonce/,
    );
    assert.equal(
      formatNonceRace({ ...event, attempt: 2 }, false),
      'nonce taken      again; createTask is signed again with the next nonce (attempt 3)',
    );
    const follow = followTask(network(), { timeoutS: 60 });
    assert.match(
      oneLine(await follow.explain(sdkError('ChainRequestError', message), id, record('creating'))),
      /^error: Other processes paying from this account kept taking the nonce .*; the task is saved: .* Run fewer `verinet task run` at once on one account, or give each its own --keystore\.$/,
    );
    follow.stop();
  });

  it('trial s13: the same retry of parallel requests (`/result` and `/result/files/…`) is one line', () => {
    const lines: string[] = [];
    const stderr = output.stderr;
    output.stderr = (text) => {
      lines.push(text);
    };
    try {
      const follow = followTask(network(), { timeoutS: 60 });
      const retry = (attempt: number) =>
        ({
          type: 'retry',
          id,
          at: Date.now(),
          step: 'download',
          attempt,
          delayMs: 500 * attempt,
          error: '409 RESULT_NOT_RELEASED',
        }) as const;
      for (const attempt of [1, 1, 2, 2]) follow.onProgress(retry(attempt));
      follow.stop();
    } finally {
      output.stderr = stderr;
    }
    const retries = lines.filter((line) => line.includes('retry '));
    assert.equal(retries.length, 2, lines.join(''));
    assert.match(retries[0] ?? '', /retry {12}download \(attempt 1, in 500 ms\): 409 RESULT_NOT_RELEASED\n$/);
    assert.match(retries[1] ?? '', /\(attempt 2, in 1000 ms\)/);
  });

  it("`running` counts from the task's creation: `task resume` goes on from there, not from 0", () => {
    const lines: string[] = [];
    const stderr = output.stderr;
    output.stderr = (text) => {
      lines.push(text);
    };
    try {
      const node = `0x${'ab'.repeat(20)}` as const;
      const taskKey = `0x${'cd'.repeat(32)}` as const;
      const createdAt = Date.now() - 600_000;
      // A resumed task created 10 minutes ago; the SDK began waiting 5 s ago in this process.
      const resumed = followTask(network(), { timeoutS: 60 });
      resumed.setTaskCreatedAt(createdAt);
      resumed.onProgress({ type: 'running', id, taskKey, node, elapsedMs: 5_000, at: createdAt + 605_000 });
      resumed.stop();
      // `task run`: from its `prepared` event.
      const run = followTask(network(), { timeoutS: 60 });
      run.onProgress({ type: 'prepared', id, taskType: 'llm', at: createdAt });
      run.onProgress({ type: 'running', id, taskKey, node, elapsedMs: 2_000, at: createdAt + 3_500 });
      run.stop();
    } finally {
      output.stderr = stderr;
    }
    const running = lines.filter((line) => line.includes('running '));
    assert.equal(running.length, 2, lines.join(''));
    assert.match(running[0] ?? '', /running {10}on 0xabababab…, 605\.0 s since the task was created\n$/);
    assert.match(running[1] ?? '', /running {10}on 0xabababab…, 3\.5 s since the task was created\n$/);
  });

  it('a devnet whose process is gone stops the wait within seconds, while its chain still answers', async () => {
    // A chain that answers (as anvil does after `kill -9` of its devnet) and a devnet pid that no longer runs.
    const server = createServer((_request, response) =>
      response.end('{"jsonrpc":"2.0","id":1,"result":"0x7a69"}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const rpcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(gone.stdout);
    const networkFile = join(dir, 'network.json');
    writeFileSync(networkFile, JSON.stringify({ running: true, pid }));
    try {
      const follow = followTask(
        network({ kind: 'devnet', rpcUrl, devnetDir: dir, devnetNetworkFile: networkFile, devnetPid: pid }),
        { timeoutS: 60 },
      );
      const started = Date.now();
      await new Promise<void>((resolve) => follow.signal.addEventListener('abort', () => resolve()));
      assert.ok(Date.now() - started < 5_000);
      const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
      assert.equal(
        oneLine(await follow.explain(aborted, id, record('running'))),
        `error: The devnet in ${dir} stopped: no node or relay runs; the task is saved: \`verinet task resume ${id}\` finishes it once \`npm start\` runs the devnet again.`,
      );
      follow.stop();
    } finally {
      server.close();
    }
  });
});

/**
 * Review s11 finding 1: the check before `task run`/`resume`/`withdraw` took an RPC that answers slowly or with an
 * error status (a provider's rate limit) for one that does not answer, and refused to go on.
 */
describe('chainAnswers: only a connection that cannot be made is "does not answer"', () => {
  const serve = async (handler: Parameters<typeof createServer>[1]) => {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  };

  it('an HTTP 429 answers', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(429).end('rate limited');
    });
    try {
      assert.equal(await chainAnswers(server.url), true);
    } finally {
      await server.close();
    }
  });

  it('a chain slower than the check answers (the SDK judges it with its own timeouts)', async () => {
    const server = await serve(() => {});
    try {
      assert.equal(await chainAnswers(server.url), true);
    } finally {
      await server.close();
    }
  });

  it('a port nothing listens on does not answer', async () => {
    const server = await serve(() => {});
    const { url } = server;
    await server.close();
    assert.equal(await chainAnswers(url), false);
  });
});

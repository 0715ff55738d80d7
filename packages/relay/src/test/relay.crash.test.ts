import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getFreePort } from '@verinet/cli/src/anvil/startAnvil.js';
import { getArgsHash } from '@verinet/protocol/args';
import { writeDeployment } from '@verinet/protocol/chain';
import { getArgsCommitment } from '@verinet/protocol/commitment';
import { getRelayDomain, getResultHash, type RelayDomain, signRelayRequest } from '@verinet/protocol/relay';
import Database from 'better-sqlite3';
import { hexToBytes } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { createFileObjectStore } from '../storage/createFileObjectStore.js';
import { type ChainFixture, createFixtureTask, prepareArgs, startChainFixture } from './chainFixture.js';
import { getCompactTestBytes } from './getCompactTestBytes.js';
import { hookTimeout } from './relayHarness.js';
import { makeLlmResult } from './resultFiles.js';

const ROUNDS = 3;

describe('crash safety: kill -9 during uploads loses nothing committed and leaves nothing torn', {
  // Two tests of ≈ 50 s each on a quiet machine; 3–4 times that at load 15.
  timeout: 540_000,
}, () => {
  let fixture: ChainFixture;
  let dir: string;
  let startRelayProcess: (dataDir: string) => Promise<ChildProcess>;
  let domain: RelayDomain;
  let app: PrivateKeyAccount;
  const send = async (
    signer: PrivateKeyAccount,
    method: string,
    path: string,
    body: Uint8Array,
    contentType = 'application/octet-stream',
  ) => {
    const headers = await signRelayRequest({ signer, domain, method, path, body });
    return fetch(`${url}${path}`, {
      method,
      headers: { ...headers, 'content-type': contentType },
      body: Buffer.from(body),
    });
  };
  let url: string;
  before(async () => {
    fixture = await startChainFixture({ nodes: 6 });
    dir = await mkdtemp(join(tmpdir(), 'relay-crash-'));
    const deploymentFile = join(dir, 'deployment.json');
    writeDeployment(deploymentFile, fixture.deployment);
    const { encryptKeystore } = await import('@verinet/cli/src/keystore/keystore.js');
    const keystoreFile = join(dir, 'key.json');
    await writeFile(
      keystoreFile,
      JSON.stringify(encryptKeystore(generatePrivateKey(), 'pw', { scryptN: 1024 })),
    );
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    startRelayProcess = async (dataDir) => {
      const env = {
        ...process.env,
        VERINET_RELAY_PORT: String(port),
        VERINET_RELAY_RPC_URL: fixture.anvil.rpcUrl,
        VERINET_RELAY_DEPLOYMENT_FILE: deploymentFile,
        VERINET_RELAY_KEYSTORE_FILE: keystoreFile,
        VERINET_RELAY_STORAGE_DATA_DIR: dataDir,
        VERINET_RELAY_PASSWORD: 'pw',
        VERINET_RELAY_LOG_LEVEL: 'silent',
        VERINET_RELAY_LIMITS_REQUESTS_PER_MINUTE: '1000000',
      };
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', new URL('./crashRelayMain.ts', import.meta.url).pathname],
        { env, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('LISTENING') && resolve());
        child.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
      });
      return child;
    };
    domain = getRelayDomain({
      chainId: fixture.deployment.chainId,
      taskManager: fixture.deployment.contracts.taskManager,
    });
    app = privateKeyToAccount(fixture.actors.app.privateKey);
  }, hookTimeout);
  // Relay processes still running when a test fails or times out: killed here, so the test process can exit.
  const children = new Set<ChildProcess>();
  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fixture?.stop();
    await rm(dir, { recursive: true, force: true });
  }, hookTimeout);

  it(`survives ${ROUNDS} kill -9 during concurrent argument and result uploads`, async () => {
    const dataDir = join(dir, 'data');
    const start = () => startRelayProcess(dataDir);
    const task = await createFixtureTask(fixture);
    const node = privateKeyToAccount(task.nodeActor!.privateKey);
    const acknowledgedArgs = new Map<string, Uint8Array>();
    const acknowledgedFiles = new Map<string, string>();
    const stalledSize = 400_000 + 17;
    for (let round = 0; round < ROUNDS; round++) {
      const child = await start();
      // Since session 12 a packed record is written as its bytes arrive, its place and header taken with its
      // first 256 KiB (session 13). Four uploads send 270 KB of their body and stall (one per pack lane, so the
      // uploads below follow them in their packs): the kill hits records still arriving with acknowledged records
      // after them (within the 15 s a begun upload may pause).
      const stalled: http.ClientRequest[] = [];
      for (let i = 0; i < 4; i++) {
        const path = `/v1/tasks/${task.taskKey}/result/files/${20 + i}.png`;
        const bytes = new Uint8Array(stalledSize).fill(200 + i);
        const headers = await signRelayRequest({ signer: node, domain, method: 'PUT', path, body: bytes });
        const request = http.request(`${url}${path}`, {
          method: 'PUT',
          headers: {
            ...headers,
            'content-type': 'application/octet-stream',
            'content-length': String(stalledSize),
          },
        });
        request.on('error', () => {});
        request.write(bytes.subarray(0, 270_000));
        stalled.push(request);
        await new Promise((r) => setTimeout(r, 100));
      }
      let stop = false;
      const workers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          try {
            if (w % 2 === 0) {
              const p = prepareArgs('sd');
              const response = await send(
                app,
                'PUT',
                `/v1/args/${p.argsCommitment}?salt=${p.salt}&taskType=sd`,
                p.bytes,
              );
              if (response.status === 201) acknowledgedArgs.set(p.argsCommitment, p.bytes);
            } else {
              const bytes = new Uint8Array(256 * 1024 + ((round * 31 + i) % 7)).fill(round * 16 + i);
              const name = `${(w + i) % 10}.png`;
              const response = await send(
                node,
                'PUT',
                `/v1/tasks/${task.taskKey}/result/files/${name}`,
                bytes,
              );
              if (response.status === 201)
                acknowledgedFiles.set(name, `0x${createHash('sha256').update(bytes).digest('hex')}`);
            }
          } catch {
            // the connection died with the relay
          }
        }
      });
      await new Promise((r) => setTimeout(r, 1500 + round * 300));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      stop = true;
      await Promise.all(workers);
      for (const request of stalled) request.destroy();
    }
    // Restart once more (startup clears temporary files) and check the store from the outside.
    const child = await start();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const db = new Database(join(dataDir, 'relay.db'), { readonly: true });
    // Objects are read as the relay reads them (small ones live in pack files since session 8).
    const objects = await createFileObjectStore(dataDir);
    const read = (key: string) => objects.getBytes(key, 1 << 30);
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.ok(
        acknowledgedArgs.size > 0 && acknowledgedFiles.size > 0,
        'uploads were acknowledged before the kills',
      );
      for (const [commitment, bytes] of acknowledgedArgs) {
        const row = db.prepare('SELECT * FROM args WHERE args_commitment = ?').get(commitment) as
          | { object_key: string; salt: `0x${string}` }
          | undefined;
        assert.ok(row, `acknowledged arguments ${commitment} are there`);
        const stored = await read(row.object_key);
        assert.deepEqual(new Uint8Array(stored), bytes);
        assert.equal(getArgsCommitment(getArgsHash(stored), row.salt).toLowerCase(), commitment);
      }
      // Every staged file row (the last acknowledged upload of each name, or a later one that was acknowledged
      // to no client because of the kill) points at a whole object with the recorded hash and size.
      const rows = db.prepare('SELECT * FROM staged_files').all() as {
        name: string;
        object_key: string;
        size: number;
        sha256: string;
      }[];
      for (const row of rows) {
        const bytes = await read(row.object_key);
        assert.equal(bytes.length, row.size, `${row.name} is whole`);
        assert.equal(
          `0x${createHash('sha256').update(bytes).digest('hex')}`,
          row.sha256,
          `${row.name} is not torn`,
        );
        // Streamed as downloads are: the same bytes.
        const streamed = Buffer.concat(await (await objects.get(row.object_key)).toArray());
        assert.equal(streamed.equals(Buffer.from(bytes)), true, `${row.name} streams whole`);
      }
      // The kills hit the group-commit path: acknowledged small objects are records in pack files.
      const argRows = db.prepare('SELECT object_key FROM args').all() as { object_key: string }[];
      assert.ok(
        [...argRows, ...rows].every((r) => r.object_key.includes('@')),
        'small objects are packed',
      );
      // Every pack (torn tails included) reads as whole records; none names an object twice.
      const packed = await objects.listOlderThan(-60_000, 1_000_000);
      assert.equal(new Set(packed).size, packed.length);
      for (const key of [...argRows, ...rows].map((r) => r.object_key))
        assert.ok(packed.includes(key), `${key} is a record of its pack`);
      // The stalled uploads were never acknowledged (no row names them) and records followed them: the scan
      // stepped over them (listed as orphans, for retention) to the acknowledged records behind them.
      const named = new Set([...argRows, ...rows].map((r) => r.object_key));
      const followed = packed.filter((key) => !named.has(key) && key.endsWith(`.${stalledSize}`));
      assert.ok(followed.length > 0, 'acknowledged records followed a record still arriving at a kill');
      assert.ok(
        rows.every((r) => !/^2[0-3]\.png$/.test(r.name)),
        'no stalled upload has a row',
      );
      for (const name of acknowledgedFiles.keys())
        assert.ok(
          rows.some((r) => r.name === name),
          `${name} is there`,
        );
      console.log(
        `# crash: ${ROUNDS} kills, ${acknowledgedArgs.size} argument uploads and ${acknowledgedFiles.size} file names acknowledged, all intact`,
      );
    } finally {
      db.close();
      await objects.close();
    }
  });

  it('makes the commit the durability barrier: kill -9 between upload and commit and during commits; a lost staged file is asked for again', async () => {
    const dataDir = join(dir, 'barrier');
    const sha = (bytes: Uint8Array) => `0x${createHash('sha256').update(bytes).digest('hex')}`;
    type Job = Awaited<ReturnType<typeof createFixtureTask>> & {
      result: { bytes: Uint8Array; score: `0x${string}` };
    };
    let child = await startRelayProcess(dataDir);
    const kill = async () => {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    };
    const jobs: Job[] = [];
    for (let i = 0; i < 5; i++) {
      const prepared = prepareArgs('llm');
      const task = await createFixtureTask(fixture, { taskType: 'llm', prepared });
      const argsPath = `/v1/args/${task.argsCommitment}?salt=${task.salt}&taskType=llm`;
      assert.equal((await send(app, 'PUT', argsPath, task.bytes)).status, 201);
      jobs.push({ ...task, result: await makeLlmResult(`crash ${i} ${'x'.repeat(200_000 + i)}`) });
    }
    const nodeOf = (job: Job) => privateKeyToAccount(job.nodeActor!.privateKey);
    const put = (job: Job) =>
      send(nodeOf(job), 'PUT', `/v1/tasks/${job.taskKey}/result/files/result.json`, job.result.bytes);
    const commit = (job: Job) =>
      send(
        nodeOf(job),
        'POST',
        `/v1/tasks/${job.taskKey}/result/commit`,
        new TextEncoder().encode(JSON.stringify({ score: job.result.score })),
        'application/json',
      );
    const statements = new Map<string, string>();
    const expectCommitted = async (job: Job, response: Response) => {
      const body = (await response.json()) as {
        statement?: { resultHash: string };
        error?: { code: string };
      };
      assert.ok([200, 201].includes(response.status), `commit: ${response.status} ${JSON.stringify(body)}`);
      assert.equal(body.statement!.resultHash, getResultHash(hexToBytes(job.result.score)));
      statements.set(job.taskKey, body.statement!.resultHash);
    };
    // The node's uploader on a retry: every file again, then the commit.
    const retry = async (job: Job) => {
      assert.ok([200, 201].includes((await put(job)).status));
      await expectCommitted(job, await commit(job));
    };

    // Uploaded (acknowledged, not yet durable), then kill -9 before any commit: the OS kept the bytes.
    for (const job of jobs) assert.equal((await put(job)).status, 201);
    await kill();
    child = await startRelayProcess(dataDir);
    await expectCommitted(jobs[0]!, await commit(jobs[0]!));

    // A power loss between upload and commit (simulated with the relay down: the staged record's bytes zeroed,
    // as unsynced pages can come back): the commit refuses, retryably, and signs nothing; the retry completes.
    await kill();
    {
      const db = new Database(join(dataDir, 'relay.db'), { readonly: true });
      const row = db
        .prepare('SELECT object_key FROM staged_files WHERE task_key = ?')
        .get(jobs[1]!.taskKey) as { object_key: string };
      db.close();
      const [, place] = row.object_key.split('@') as [string, string];
      const [packId, offset, length] = place.split('.') as [string, string, string];
      const handle = await open(join(dataDir, 'packs', `${packId}.pack`), 'r+');
      await handle.write(Buffer.alloc(Number(length)), 0, Number(length), Number(offset));
      await handle.close();
    }
    child = await startRelayProcess(dataDir);
    const refused = await commit(jobs[1]!);
    assert.equal(refused.status, 409);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'RESULT_FILE_LOST');
    await retry(jobs[1]!);

    // kill -9 while commits run (the barrier's datasync, the FULL transaction, the signature): each node retries.
    const pending = jobs.slice(2).map((job) => commit(job).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 5));
    await kill();
    await Promise.all(pending);
    child = await startRelayProcess(dataDir);
    for (const job of jobs.slice(2)) await retry(job);
    await kill();

    // Every committed object (what the statements name) is whole and byte-exact.
    const db = new Database(join(dataDir, 'relay.db'), { readonly: true });
    const objects = await createFileObjectStore(dataDir);
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      for (const job of jobs) {
        assert.ok(statements.has(job.taskKey), 'every task got its statement');
        const rows = db.prepare('SELECT * FROM result_files WHERE task_key = ?').all(job.taskKey) as {
          object_key: string;
          sha256: string;
        }[];
        assert.equal(rows.length, 1);
        const bytes = await objects.getBytes(rows[0]!.object_key, 1 << 30);
        assert.equal(sha(bytes), sha(job.result.bytes));
        assert.equal(rows[0]!.sha256, sha(job.result.bytes));
      }
    } finally {
      db.close();
      await objects.close();
    }
  });
});

describe('crash safety: kill -9 while packs with dead records are compacted (review s12 finding 2)', () => {
  it('loses no acknowledged record and leaves every pack readable', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-crash-compact-'));
    const children = new Set<ChildProcess>();
    const acknowledged = new Map<string, number>();
    try {
      for (let round = 0; round < 5; round++) {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', new URL('./crashCompactMain.ts', import.meta.url).pathname, dir],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        children.add(child);
        let acks = 0;
        let buffered = '';
        const ready = new Promise<void>((resolve, reject) => {
          child.stdout!.on('data', (chunk: Buffer) => {
            buffered += chunk.toString();
            const lines = buffered.split('\n');
            buffered = lines.pop()!;
            for (const line of lines) {
              if (line === 'READY') resolve();
              const [word, key, size] = line.split(' ');
              if (word === 'ACK') {
                acknowledged.set(key!, Number(size));
                acks++;
              }
            }
          });
          child.once('exit', (code) => reject(new Error(`store process exited ${code}`)));
        });
        await ready;
        // Killed at a different moment each round, once it has acknowledged some records.
        for (let waited = 0; acks < 10 && waited < 60_000; waited += 20)
          await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 150 + round * 170));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        children.delete(child);
      }
      assert.ok(acknowledged.size >= 50, `${acknowledged.size} records acknowledged`);
      // Every pack on disk: how many were compacted (their allocated blocks well below their size).
      const packsDir = join(dir, 'packs');
      let compacted = 0;
      for (const name of await readdir(packsDir)) {
        if (!name.endsWith('.pack')) continue;
        const info = await stat(join(packsDir, name));
        if (info.blocks * 512 < info.size - 200_000) compacted++;
      }
      assert.ok(compacted > 0, 'packs were compacted while the processes were killed');
      // A fresh store (packQuietMs 0: every pack sealed): every acknowledged record listed and read back whole.
      const store = await createFileObjectStore(dir, { packQuietMs: 0 });
      try {
        const listed = new Set(await store.listOlderThan(-60_000, 1_000_000));
        for (const [key, size] of acknowledged) {
          assert.ok(listed.has(key), `acknowledged ${key} is listed`);
          const name = key.split('@')[0]!;
          assert.ok(
            Buffer.from(await store.getBytes(key, 8 << 20)).equals(getCompactTestBytes(name, size)),
            `acknowledged ${key} reads whole`,
          );
        }
      } finally {
        await store.close();
      }
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getFreePort } from '@verinet/cli/src/anvil/startAnvil.js';
import { getArgsHash } from '@verinet/protocol/args';
import { writeDeployment } from '@verinet/protocol/chain';
import { getArgsCommitment } from '@verinet/protocol/commitment';
import { getRelayDomain, signRelayRequest } from '@verinet/protocol/relay';
import Database from 'better-sqlite3';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createFileObjectStore } from '../storage/createFileObjectStore.js';
import { type ChainFixture, createFixtureTask, prepareArgs, startChainFixture } from './chainFixture.js';
import { hookTimeout } from './relayHarness.js';

const ROUNDS = 3;

describe('crash safety: kill -9 during uploads loses nothing committed and leaves nothing torn', {
  timeout: 240_000,
}, () => {
  let fixture: ChainFixture;
  let dir: string;
  before(async () => {
    fixture = await startChainFixture({ nodes: 1 });
    dir = await mkdtemp(join(tmpdir(), 'relay-crash-'));
  }, hookTimeout);
  after(async () => {
    await fixture?.stop();
    await rm(dir, { recursive: true, force: true });
  }, hookTimeout);

  it(`survives ${ROUNDS} kill -9 during concurrent argument and result uploads`, async () => {
    const deploymentFile = join(dir, 'deployment.json');
    writeDeployment(deploymentFile, fixture.deployment);
    const { encryptKeystore } = await import('@verinet/cli/src/keystore/keystore.js');
    const keystoreFile = join(dir, 'key.json');
    await writeFile(
      keystoreFile,
      JSON.stringify(encryptKeystore(generatePrivateKey(), 'pw', { scryptN: 1024 })),
    );
    const dataDir = join(dir, 'data');
    const port = await getFreePort();
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
    const url = `http://127.0.0.1:${port}`;
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', new URL('./crashRelayMain.ts', import.meta.url).pathname],
        {
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('LISTENING') && resolve());
        child.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
      });
      return child;
    };
    const domain = getRelayDomain({
      chainId: fixture.deployment.chainId,
      taskManager: fixture.deployment.contracts.taskManager,
    });
    const app = privateKeyToAccount(fixture.actors.app.privateKey);
    const task = await createFixtureTask(fixture);
    const node = privateKeyToAccount(task.nodeActor!.privateKey);
    const send = async (signer: typeof app, method: string, path: string, body: Uint8Array) => {
      const headers = await signRelayRequest({ signer, domain, method, path, body });
      return fetch(`${url}${path}`, {
        method,
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: Buffer.from(body),
      });
    };
    const acknowledgedArgs = new Map<string, Uint8Array>();
    const acknowledgedFiles = new Map<string, string>();
    for (let round = 0; round < ROUNDS; round++) {
      const child = await start();
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
});

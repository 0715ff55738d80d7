import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { writeDeployment } from '@verinet/protocol/chain';
import { type RelayDomain, signRelayRequest } from '@verinet/protocol/relay';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startRelay } from '../cli/startRelay.js';
import { listRelayEnvVariables, loadRelayConfig, RelayConfigError } from '../config/loadRelayConfig.js';
import { type ChainFixture, startChainFixture } from './chainFixture.js';
import { hookTimeout } from './relayHarness.js';

describe('relay configuration', () => {
  it('takes defaults, then the file, then VERINET_RELAY_* variables, then options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-config-'));
    try {
      const file = join(dir, 'relay.json');
      await writeFile(file, JSON.stringify({ port: 8000, limits: { resultFiles: 10 } }));
      const config = loadRelayConfig({
        file,
        env: { VERINET_RELAY_PORT: '9000', VERINET_RELAY_LIMITS_RESULT_FILE_BYTES: '1048576', PATH: '/bin' },
        overrides: { host: '0.0.0.0' },
      });
      assert.equal(config.port, 9000);
      assert.equal(config.limits.resultFiles, 10);
      assert.equal(config.limits.resultFileBytes, 1_048_576);
      assert.equal(config.host, '0.0.0.0');
      assert.equal(config.storage.kind, 'sqlite');
      assert.ok(listRelayEnvVariables().some((v) => v.name === 'VERINET_RELAY_STORAGE_POSTGRES_URL'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad values with one line naming the option and its variable', () => {
    const refuse = (parameters: Parameters<typeof loadRelayConfig>[0], pattern: RegExp) =>
      assert.throws(
        () => loadRelayConfig(parameters),
        (error: unknown) => error instanceof RelayConfigError && pattern.test(error.message),
      );
    refuse({ env: { VERINET_RELAY_PORT: 'eighty' } }, /port \(VERINET_RELAY_PORT\)/);
    refuse({ env: { VERINET_RELAY_PORT: '70000' } }, /VERINET_RELAY_PORT/);
    refuse({ env: { VERINET_RELAY_LIMITS_RESULT_FILES: '0' } }, /limits\.resultFiles/);
    refuse({ env: { VERINET_RELAY_NOPE: '1' } }, /Unknown environment variable VERINET_RELAY_NOPE/);
    refuse({ env: { VERINET_RELAY_STORAGE_KIND: 'postgres' } }, /postgresUrl/);
    refuse({ file: '/nonexistent/relay.json' }, /Cannot read the relay config file/);
    refuse({ overrides: { 'auth.maxAgeSeconds': 1 } }, /auth\.maxAgeSeconds/);
  });
});

describe('verinet relay start (startRelay)', { timeout: 120_000 }, () => {
  let fixture: ChainFixture;
  let dir: string;
  before(async () => {
    fixture = await startChainFixture({ nodes: 1 });
    dir = await mkdtemp(join(tmpdir(), 'relay-start-'));
  }, hookTimeout);
  after(async () => {
    await fixture?.stop();
    await rm(dir, { recursive: true, force: true });
  }, hookTimeout);

  it('loads the keystore and deployment, serves, and shuts down gracefully', async () => {
    const key = generatePrivateKey();
    const keystoreFile = join(dir, 'relay-key.json');
    // Light scrypt parameters keep the test fast; the format is the standard v3 one.
    await writeFile(keystoreFile, JSON.stringify(encryptKeystore(key, 'pw', { scryptN: 1024 })));
    const deploymentFile = join(dir, 'deployment.json');
    writeDeployment(deploymentFile, fixture.deployment);
    await assert.rejects(
      startRelay({
        rpcUrl: fixture.anvil.rpcUrl,
        deploymentFile,
        keystoreFile,
        password: 'wrong',
        dataDir: join(dir, 'data'),
        port: 0,
        env: {},
      }),
      /password|MAC|mac/i,
    );
    const relay = await startRelay({
      rpcUrl: fixture.anvil.rpcUrl,
      deploymentFile,
      keystoreFile,
      password: 'pw',
      dataDir: join(dir, 'data'),
      port: 0,
      env: { VERINET_RELAY_LOG_LEVEL: 'silent' },
    });
    try {
      const info = (await (await fetch(`${relay.url}/v1/info`)).json()) as { relaySigner: string };
      assert.equal(info.relaySigner, privateKeyToAccount(key).address);
      assert.equal((await fetch(`${relay.url}/readyz`)).status, 200);
      const openapi = (await (await fetch(`${relay.url}/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      assert.ok(openapi.paths['/v1/tasks/{taskKey}/result/commit']);
    } finally {
      await relay.close();
    }
    await relay.closed;
    await assert.rejects(fetch(`${relay.url}/healthz`));
  });
  it('with workers: 2, serves one port from two processes: a replay is refused across them, /metrics sums them, a killed worker is replaced', async () => {
    const key = generatePrivateKey();
    const keystoreFile = join(dir, 'relay-key-workers.json');
    await writeFile(keystoreFile, JSON.stringify(encryptKeystore(key, 'pw', { scryptN: 1024 })));
    const deploymentFile = join(dir, 'deployment-workers.json');
    writeDeployment(deploymentFile, fixture.deployment);
    const relay = await startRelay({
      rpcUrl: fixture.anvil.rpcUrl,
      deploymentFile,
      keystoreFile,
      password: 'pw',
      dataDir: join(dir, 'data-workers'),
      port: 0,
      env: { VERINET_RELAY_LOG_LEVEL: 'silent', VERINET_RELAY_WORKERS: '2' },
    });
    try {
      assert.equal(relay.app, undefined);
      const info = (await (await fetch(`${relay.url}/v1/info`)).json()) as {
        relaySigner: string;
        domain: RelayDomain;
      };
      assert.equal(info.relaySigner, privateKeyToAccount(key).address);
      // One signed request sent four times, each on a new connection (the primary hands connections to the
      // workers in turn): exactly one is served, whichever process gets it; the others are replays.
      const path = `/v1/tasks/0x${'ab'.repeat(32)}/args`;
      const headers = await signRelayRequest({
        signer: privateKeyToAccount(generatePrivateKey()),
        domain: info.domain,
        method: 'GET',
        path,
      });
      const url = new URL(relay.url);
      const codes: string[] = [];
      for (let i = 0; i < 4; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          const request = http.get(
            { host: url.hostname, port: url.port, path, headers, agent: false },
            (response) => {
              let text = '';
              response.on('data', (chunk) => {
                text += chunk;
              });
              response.on('end', () => resolve(text));
            },
          );
          request.on('error', reject);
        });
        codes.push((JSON.parse(body) as { error: { code: string } }).error.code);
      }
      assert.deepEqual(codes.sort(), ['AUTH_REPLAYED', 'AUTH_REPLAYED', 'AUTH_REPLAYED', 'TASK_UNKNOWN']);
      // Both workers answered some of them; /metrics (from either) counts all six requests so far.
      const metrics = await (await fetch(`${relay.url}/metrics`)).text();
      const counted = [...metrics.matchAll(/^relay_http_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
      assert.ok(counted >= 5, `metrics count ${counted} requests`);

      // kill -9 of one worker: the primary (this process) forks a new one on the same port, and both serve.
      const before = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
      assert.equal(before.length, 2);
      const replaced = new Promise<Worker>((resolve) =>
        cluster.once('listening', (worker) => resolve(worker)),
      );
      before[0]!.process.kill('SIGKILL');
      const fresh = await replaced;
      assert.notEqual(fresh.process.pid, before[0]!.process.pid);
      const live = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
      assert.equal(live.length, 2);
      // Every new connection is answered (the primary hands them to the workers in turn, the new one included).
      for (let i = 0; i < 4; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const request = http.get(
            { host: url.hostname, port: url.port, path: '/healthz', agent: false },
            (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            },
          );
          request.on('error', reject);
        });
        assert.equal(status, 200);
      }
    } finally {
      await relay.close();
    }
    await relay.closed;
    await assert.rejects(fetch(`${relay.url}/healthz`));
  });
});

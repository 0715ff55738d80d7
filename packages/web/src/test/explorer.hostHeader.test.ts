import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Anvil, startAnvil } from '@verinet/cli/src/anvil/startAnvil.js';
import { buildContracts } from '@verinet/cli/src/deploy/artifacts.js';
import { deployContracts } from '@verinet/cli/src/deploy/deployContracts.js';
import { getDevnetPrivateKey } from '@verinet/cli/src/deploy/devnetAccounts.js';
import { parseEther } from 'viem';
import { type ExplorerIndexer, startExplorerIndexer } from '../explorer/startExplorerIndexer.js';
import { getFreePort } from '../utils/getFreePort.js';

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/**
 * Review s15 (5fd4b86): /explorer/stats reads the indexed head from `${new URL(c.req.url).origin}/status`, and the
 * request URL's origin is the client's Host header: a request names the host the explorer then fetches (a blind
 * request forgery to any host and port the explorer reaches, with no timeout and an unbounded body read). The
 * indexed head must come from the explorer's own server, whatever the Host header says.
 */
describe('explorer /explorer/stats and the Host header (review s15)', { timeout: 300_000 }, () => {
  let work: string;
  let anvil: Anvil;
  let indexer: ExplorerIndexer;
  let decoy: Server;
  const decoyPaths: string[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'verinet-explorer-host-'));
    buildContracts();
    anvil = await startAnvil();
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      privateKey: getDevnetPrivateKey(0),
      minStake: parseEther('1'),
    });
    const deploymentPath = join(work, 'deployment.json');
    writeFileSync(deploymentPath, JSON.stringify({ ...deployment, rpcUrl: anvil.rpcUrl }));
    indexer = await startExplorerIndexer({
      deploymentPath,
      dataDir: join(work, 'explorer'),
      port: await getFreePort(),
      pollingIntervalMs: 250,
    });
    // A server the client names in its Host header: it answers a Ponder-like status with a made-up head.
    decoy = createServer((req, res) => {
      decoyPaths.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ anvil: { id: 31337, block: { number: 424242, timestamp: 1 } } }));
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
  }, setupTimeout);

  after(async () => {
    await new Promise((resolve) => decoy?.close(resolve));
    await indexer?.stop();
    await anvil?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, teardownTimeout);

  it('fetches nothing from the host a request names, and does not report its head', async () => {
    const { port } = decoy.address() as AddressInfo;
    const target = new URL(`${indexer.url}/explorer/stats`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: { host: `127.0.0.1:${port}` },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const stats = JSON.parse(body) as { lastBlock?: string };
    assert.deepEqual(
      decoyPaths,
      [],
      `the explorer fetched ${decoyPaths.join(', ')} from the Host header's server`,
    );
    assert.notEqual(stats.lastBlock, '424242', "the Host header's server set lastBlock");
  });
});

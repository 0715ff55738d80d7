import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { packVersion, taskArgsVersions } from '@verinet/protocol/args';
import { writeDeployment } from '@verinet/protocol/chain';
import { contractsOf, readNodeInfo, readPriceFloor } from '../chain/taskManager.js';
import { nodeConfigSchema } from '../config/nodeConfig.js';
import { insertTask, openStore } from '../store/index.js';
import { startTestDevnet, type TestDevnet, testWallet } from '../testing/devnet.js';
import { createNodeRuntime } from './createNodeRuntime.js';
import { main } from './main.js';
import { applyPriceFloor } from './membership.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const root = mkdtempSync(join(tmpdir(), 'verinet-node-cli-'));
let devnet: TestDevnet;
let configPath: string;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

before(async () => {
  devnet = await startTestDevnet();
  const deploymentPath = join(root, 'deployment.json');
  writeDeployment(deploymentPath, devnet.deployment);
  const keystore = join(root, 'key.json');
  writeFileSync(
    keystore,
    JSON.stringify(encryptKeystore(testWallet(devnet, 5).privateKey, 'pw', { scryptN: 1024 })),
  );
  writeFileSync(join(root, 'pw'), 'pw\n');
  configPath = join(root, 'node.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      rpcUrl: devnet.anvil.rpcUrl,
      deployment: deploymentPath,
      keystore,
      passwordFile: join(root, 'pw'),
      dataDir: join(root, 'data'),
      gpuName: 'Configured GPU',
      vramGib: 12,
    }),
  );
}, setupTimeout);
after(async () => {
  await devnet?.stop();
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

describe('verinet node (command functions)', { timeout: 120_000 }, () => {
  it('help, unknown actions and options are one clear line with a non-zero exit', async () => {
    assert.equal((await run('--help')).code, 0);
    const unknown = await run('explode');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown node action "explode"/);
    assert.equal((await run('status', '--frobnicate')).code, 2);
  });

  it('a bad setting or a missing keystore is one line, not a stack trace', async () => {
    const previous = process.env.VERINET_NODE_CONFIRMATIONS;
    process.env.VERINET_NODE_CONFIRMATIONS = 'lots';
    try {
      const bad = await run('status', '--config', configPath);
      assert.equal(bad.code, 1);
      assert.match(
        bad.err,
        /^error: Invalid node setting `confirmations` \(from environment variable VERINET_NODE_CONFIRMATIONS\)/,
      );
      assert.doesNotMatch(bad.err, /\n\s+at /);
    } finally {
      if (previous === undefined) delete process.env.VERINET_NODE_CONFIRMATIONS;
      else process.env.VERINET_NODE_CONFIRMATIONS = previous;
    }
    const missing = await run('status', '--config', configPath, '--keystore', join(root, 'absent.json'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /Cannot read the keystore/);
  });

  it("without --data-dir, a devnet node's keystore means its own store (not a side store outliving the chain)", async () => {
    const nodeDir = join(root, 'nodes', 'node-0');
    mkdirSync(nodeDir, { recursive: true });
    const keystore = join(nodeDir, 'keystore.json');
    writeFileSync(
      keystore,
      JSON.stringify(encryptKeystore(testWallet(devnet, 6).privateKey, 'pw', { scryptN: 1024 })),
    );
    const store = openStore({ path: join(nodeDir, 'node.db') });
    insertTask(store, {
      taskKey: `0x${'ab'.repeat(32)}`,
      taskType: 1,
      startedBlock: 1,
      argsCommitment: null,
    });
    store.close();
    const flags = ['--rpc-url', devnet.anvil.rpcUrl, '--deployment', join(root, 'deployment.json')];
    const status = await run('status', ...flags, '--keystore', keystore, '--password-file', join(root, 'pw'));
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /1 task\(s\) open locally/);
    const elsewhere = join(root, 'elsewhere');
    const named = await run(
      'status',
      ...flags,
      '--keystore',
      keystore,
      '--password-file',
      join(root, 'pw'),
      '--data-dir',
      elsewhere,
    );
    assert.match(named.out, /0 task\(s\) open locally/);
  });

  it('join, status, pause, resume, quit, withdraw against the contracts', async () => {
    const before = await run('status', '--config', configPath);
    assert.equal(before.code, 0, before.err);
    assert.match(before.out, /not registered/);
    const joined = await run(
      'join',
      '--config',
      configPath,
      '--models',
      'verinet/tiny-gpt2',
      '--stake',
      '1.5',
    );
    assert.equal(joined.code, 0, joined.err);
    assert.match(joined.out, /Joined with 1.5 ETH staked: Configured GPU \(12 GiB, configured\)/);
    // The version on chain is the one this worker runs LLM tasks at (exact-match bucket, F7), as the devnet's.
    assert.match(joined.out, new RegExp(`version ${taskArgsVersions.llm.replaceAll('.', '\\.')}`));
    const info = await readNodeInfo(
      devnet.client,
      contractsOf(devnet.deployment),
      testWallet(devnet, 5).account.address,
    );
    assert.equal(info.version, packVersion(taskArgsVersions.llm));
    // F6 price floor: set once when it differs, then nothing to do.
    const runtime = await createNodeRuntime(
      nodeConfigSchema.parse({ ...JSON.parse(readFileSync(configPath, 'utf8')) }),
    );
    try {
      // Whole gwei: the registry may round a floor up to gwei (review M3's contracts change).
      const floor = 12_345_000_000_000n;
      assert.match((await applyPriceFloor(runtime, floor)) ?? '', /Price floor set/);
      assert.equal(
        await readPriceFloor(devnet.client, contractsOf(devnet.deployment), runtime.account.address),
        floor,
      );
      assert.equal(await applyPriceFloor(runtime, floor), undefined);
    } finally {
      runtime.close();
    }
    const again = await run('join', '--config', configPath, '--models', 'verinet/tiny-gpt2');
    assert.equal(again.code, 1);
    assert.match(again.err, /already registered \(status Available\)/);
    const status = await run('status', '--config', configPath);
    assert.match(status.out, /: Available/);
    assert.match(status.out, /stake\s+1\.5 ETH \(minimum \d+(?:\.\d+)? ETH\)/);
    assert.match(status.out, /earnings owed\s+0 ETH to 0x/);
    assert.match(status.out, /QoS score\s+5000/);
    assert.match(status.out, /open reports\s+0 reported task\(s\) not settled/);
    const json = JSON.parse((await run('status', '--config', configPath, '--json')).out) as {
      info: { status: string };
    };
    assert.equal(json.info.status, 'Available');
    assert.match((await run('pause', '--config', configPath)).out, /Paused/);
    const pausedTwice = await run('pause', '--config', configPath);
    assert.equal(pausedTwice.code, 1);
    assert.match(pausedTwice.err, /Cannot pause a node whose status is Paused/);
    assert.match((await run('resume', '--config', configPath)).out, /Resumed/);
    assert.match((await run('quit', '--config', configPath)).out, /Quit: 1.5 ETH of stake can be withdrawn/);
    assert.match((await run('withdraw', '--config', configPath)).out, /Withdrew 1.5 ETH of returned stake/);
    assert.match((await run('withdraw', '--config', configPath)).out, /Nothing to withdraw/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deploymentSchema } from '@verinet/protocol/chain';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { type Anvil, startAnvil } from '../anvil/startAnvil.js';
import { captureCli } from '../cli/captureCli.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { encryptKeystore } from '../keystore/keystore.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const password = 'a test password';

describe('verinet deploy against a real anvil', { timeout: 300_000 }, () => {
  let anvil: Anvil | undefined;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verinet-deploy-errors-'));
    anvil = await startAnvil();
  }, setupTimeout);
  after(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, teardownTimeout);

  it('an unfunded deployer gets one line: its address, balance and what is needed', async () => {
    const key = generatePrivateKey();
    const keystore = join(dir, 'poor.json');
    writeFileSync(keystore, JSON.stringify(encryptKeystore(key, password, { scryptN: 1024 })));
    const run = await captureCli(
      [
        'deploy',
        '--rpc-url',
        anvil?.rpcUrl ?? '',
        '--keystore',
        keystore,
        '--out',
        join(dir, 'poor-deployment.json'),
      ],
      { VERINET_KEYSTORE_PASSWORD: password },
    );
    assert.equal(run.status, 1);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `^error: The deployer ${privateKeyToAddress(key)} has 0 ether on chain 31337; deploying needs about [0-9.]+ ether \\(\\d+ gas at [0-9.]+ gwei\\)\\. Fund the account`,
      ),
    );
    assert.doesNotMatch(run.stderr, /0x60806040/, 'no bytecode');
  });

  it('a funded deployer deploys; --json prints the record, --save-rpc-url records the URL', async () => {
    const keystore = join(dir, 'rich.json');
    writeFileSync(
      keystore,
      JSON.stringify(encryptKeystore(getDevnetPrivateKey(7), password, { scryptN: 1024 })),
    );
    const out = join(dir, 'deployment.json');
    const run = await captureCli(
      [
        'deploy',
        '--rpc-url',
        anvil?.rpcUrl ?? '',
        '--keystore',
        keystore,
        '--out',
        out,
        '--json',
        '--save-rpc-url',
      ],
      { VERINET_KEYSTORE_PASSWORD: password },
    );
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    const written = deploymentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.equal(written.rpcUrl, anvil?.rpcUrl);
    assert.equal(printed.contracts.taskManager, written.contracts.taskManager);
    assert.equal(printed.deployer, privateKeyToAddress(getDevnetPrivateKey(7)));
    // Checksummed everywhere: what was printed on stderr too.
    for (const address of Object.values(written.contracts)) assert.ok(run.stderr.includes(address));
  });
});

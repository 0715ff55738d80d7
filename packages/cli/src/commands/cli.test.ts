import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deploymentSchema, taskManagerAbi } from '@verinet/protocol/chain';
import { createPublicClient, http } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { startAnvil } from '../anvil/startAnvil.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';

const bin = resolve(fileURLToPath(import.meta.url), '../../bin.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('verinet CLI', () => {
  it('prints usage and fails on an unknown command', () => {
    const result = run('frobnicate');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown command "frobnicate"/);
    assert.match(result.stderr, /devnet/);
  });

  it("an unknown sub-command lists its parent's sub-commands, not the top-level ones", () => {
    const result = run('task', 'frob');
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      // (commander may add a suggestion: "Did you mean drop?")
      /Unknown command "frob"\..*Commands: run, status, resume, list, drop, withdraw\. Run `verinet task --help`/,
    );
  });

  it('stake-calc prints the required stake', () => {
    const result = run('stake-calc', '--honest', '90', '--dishonest', '10', '--task-price', '1');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /p \(attacker wins a validation group\): 0\.0257885/);
    assert.match(result.stdout, /required stake per node: 9\.26/);
  });

  it('rejects bad options with a clear message and exit code 1', () => {
    const result = run('stake-calc', '--honest', 'many', '--dishonest', '1');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--honest must be an integer/);
    const unknown = run('devnet', '--colour');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
  });
});

describe('verinet keystore and deploy', { timeout: 600_000 }, () => {
  it('deploys to a running chain from a keystore and writes a valid deployment file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verinet-deploy-'));
    const anvil = await startAnvil();
    try {
      const env = {
        ...process.env,
        VERINET_KEYSTORE_PASSWORD: 'a long test password',
        DEPLOYER_KEY: getDevnetPrivateKey(5),
      };
      const runEnv = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], {
          encoding: 'utf8',
          timeout: 240_000,
          env,
        });
      const keystore = join(dir, 'deployer.json');
      const created = runEnv('keystore', 'create', '--out', keystore, '--import-key-env', 'DEPLOYER_KEY');
      assert.equal(created.status, 0, created.stderr);
      const deployer = privateKeyToAddress(getDevnetPrivateKey(5));
      assert.match(created.stdout, new RegExp(deployer));
      assert.doesNotMatch(readFileSync(keystore, 'utf8'), new RegExp(getDevnetPrivateKey(5).slice(2)));
      const again = runEnv('keystore', 'create', '--out', keystore);
      assert.equal(again.status, 1, 'never overwrites a keystore');

      const out = join(dir, 'deployment.json');
      const deployed = runEnv('deploy', '--rpc-url', anvil.rpcUrl, '--keystore', keystore, '--out', out);
      assert.equal(deployed.status, 0, deployed.stderr);
      const deployment = deploymentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      assert.equal(deployment.deployer, deployer);
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      const owner = await client.readContract({
        address: deployment.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'owner',
      });
      assert.equal(owner, deployer);

      const wrongPassword = spawnSync(
        process.execPath,
        ['--import', 'tsx', bin, 'deploy', '--rpc-url', anvil.rpcUrl, '--keystore', keystore],
        { encoding: 'utf8', timeout: 240_000, env: { ...env, VERINET_KEYSTORE_PASSWORD: 'wrong' } },
      );
      assert.equal(wrongPassword.status, 1);
      assert.match(wrongPassword.stderr, /Wrong keystore password/);
    } finally {
      await anvil.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

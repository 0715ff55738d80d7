import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NodeConfigError } from '../errors/index.js';
import { getNodeConfigEnvNames, loadNodeConfig } from './loadNodeConfig.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const dir = mkdtempSync(join(tmpdir(), 'verinet-node-config-'));
after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('loadNodeConfig', () => {
  it('has safe defaults (loopback API, confirmations)', () => {
    const config = loadNodeConfig({ env: {} });
    assert.equal(config.api.host, '127.0.0.1');
    assert.equal(config.confirmations, 2);
    assert.equal(config.rpcUrl, 'http://127.0.0.1:8545');
  });

  it('environment overrides the file, the command line overrides both', () => {
    const path = file('a.json', JSON.stringify({ confirmations: 5, api: { port: 9000 } }));
    const config = loadNodeConfig({
      path,
      env: { VERINET_NODE_API_PORT: '9100', VERINET_NODE_RPC_URL: 'http://10.0.0.1:8545' },
      overrides: { confirmations: 0 },
    });
    assert.equal(config.api.port, 9100);
    assert.equal(config.rpcUrl, 'http://10.0.0.1:8545');
    assert.equal(config.confirmations, 0);
    assert.ok(getNodeConfigEnvNames().has('VERINET_NODE_DEADLINE_MARGIN_SEC'));
  });

  it('fixed gas: auto by default, on or off from the environment, anything else named', () => {
    assert.equal(loadNodeConfig({ env: {} }).fixedGas, 'auto');
    assert.equal(loadNodeConfig({ env: { VERINET_NODE_FIXED_GAS: 'off' } }).fixedGas, 'off');
    assert.throws(
      () => loadNodeConfig({ env: { VERINET_NODE_FIXED_GAS: 'yes' } }),
      /`fixedGas` \(from environment variable VERINET_NODE_FIXED_GAS\)/,
    );
  });

  it('names the bad setting and where it came from', () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => loadNodeConfig({ env: { VERINET_NODE_CONFIRMATIONS: 'many' } }),
        /`confirmations` \(from environment variable VERINET_NODE_CONFIRMATIONS\)/,
      ],
      [
        () => loadNodeConfig({ path: file('b.json', '{"api":{"host":"0.0.0.0"}}'), env: {} }),
        /`api.host` \(from the config file .*b.json\)/,
      ],
      [() => loadNodeConfig({ path: file('c.json', '{"rpcUrl":"ftp://x"}'), env: {} }), /`rpcUrl`/],
      [
        () => loadNodeConfig({ path: file('d.json', '{"confirmatoins":1}'), env: {} }),
        /confirmatoins|Unrecognized/,
      ],
      [() => loadNodeConfig({ path: file('e.json', '{not json'), env: {} }), /not valid JSON/],
      [() => loadNodeConfig({ path: join(dir, 'absent.json'), env: {} }), /Cannot read/],
      [() => loadNodeConfig({ env: { VERINET_NODE_BENEFICIARY: '0x1234' } }), /`beneficiary`.*0x address/],
    ];
    for (const [load, message] of cases) {
      assert.throws(load, (error: unknown) => {
        assert.ok(error instanceof NodeConfigError);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});

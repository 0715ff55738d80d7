import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BridgeConfigError, loadBridgeConfig } from './loadBridgeConfig.js';

describe('loadBridgeConfig (layers shared with the relay: @verinet/protocol/config)', () => {
  it('takes defaults, then the file, then VERINET_BRIDGE_* variables, then overrides; wei stays exact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bridge-config-'));
    try {
      const file = join(dir, 'bridge.json');
      await writeFile(file, JSON.stringify({ port: 8000, limits: { waitSeconds: 30 } }));
      const config = loadBridgeConfig({
        file,
        env: {
          VERINET_BRIDGE_PORT: '9000',
          VERINET_BRIDGE_FEES_SD: '123456789012345678901',
          VERINET_BRIDGE_PASSWORD: 'read elsewhere',
          PATH: '/bin',
        },
        overrides: { host: '0.0.0.0' },
      });
      assert.equal(config.port, 9000);
      assert.equal(config.limits.waitSeconds, 30);
      assert.equal(config.host, '0.0.0.0');
      assert.equal(config.fees.sd, 123456789012345678901n);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown variables, bad values, unreadable files and postgres without a URL, in one line each', () => {
    const refuse = (parameters: Parameters<typeof loadBridgeConfig>[0], pattern: RegExp) =>
      assert.throws(
        () => loadBridgeConfig(parameters),
        (error: unknown) =>
          error instanceof BridgeConfigError && pattern.test(`${error.message} ${error.details}`),
      );
    refuse({ env: { VERINET_BRIDGE_NOPE: '1' } }, /Unknown environment variable VERINET_BRIDGE_NOPE/);
    refuse({ env: { VERINET_BRIDGE_PORT: '70000' } }, /port:/);
    refuse({ file: '/nonexistent/bridge.json' }, /Cannot read the bridge config file/);
    refuse({ env: { VERINET_BRIDGE_STORE_KIND: 'postgres' } }, /postgresUrl/);
  });
});

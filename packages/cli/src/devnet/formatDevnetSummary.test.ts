import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '@verinet/protocol/chain';
import { createTestDevnetNetwork } from './createTestDevnetNetwork.js';
import { getDevnetPaths } from './devnetPaths.js';
import { formatDevnetSummary } from './formatDevnetSummary.js';

const dir = '/tmp/verinet-summary-devnet';
const bridge = 'http://127.0.0.1:8080';
const indexer = 'http://127.0.0.1:8090/explorer';

/** The summary of a devnet as `startDevnet` returns it (services as `createDevnetServices` starts them). */
function summarize(
  services: { name: string; url: string; notes: string[]; inSummary: boolean }[],
  state: Pick<
    Parameters<typeof formatDevnetSummary>[0]['devnet'],
    'state' | 'stateReason' | 'chainRewind'
  > = {
    state: 'fresh',
    stateReason: 'no saved state yet',
    chainRewind: undefined,
  },
  restartArguments: string[] = [],
) {
  return formatDevnetSummary({
    devnet: {
      paths: getDevnetPaths(dir),
      rpcUrl: 'http://127.0.0.1:8545',
      relayUrl: 'http://127.0.0.1:8600',
      deployment: { chainId: 31337, contracts: {} } as unknown as Deployment,
      ...state,
      models: { dir: `${dir}/models`, tiny: true, written: true, ids: { llm: [], sd: [], sd_ft: [] } },
      nodes: [],
      relaySigner: `0x${'22'.repeat(20)}`,
      services,
      network: createTestDevnetNetwork({ dir, pid: 1, running: true }),
      logFile: `${dir}/devnet.log`,
      restartArguments,
    },
    accounts: [],
    fee: { goingPrice: 0n, minFee: 1_000_000_000n, fee: 1_000_000_000n },
  });
}

describe('formatDevnetSummary', () => {
  it('says how far a kept chain went back after anvil stopped without a final save', () => {
    const kept = summarize([], {
      state: 'kept',
      stateReason: '',
      chainRewind: { fromBlock: 1_500, toBlock: 1_200, seenAt: Date.UTC(2026, 10, 30, 12) },
    });
    assert.match(kept, /state {10}KEPT from the previous run/);
    assert.match(
      kept,
      /THE CHAIN WENT BACK at least 300 blocks, from block 1500 or later \(seen 2026-11-30T12:00:00\.000Z\) to 1200\n {17}\(its last save/,
    );
    assert.match(kept, /`verinet task status <id>` shows LOST/);
    assert.match(kept, /`verinet task drop <id>` ends a LOST one/);
    assert.doesNotMatch(kept, /as them were|empty blocks were mined/);
    const mined = summarize([], {
      state: 'kept',
      stateReason: '',
      chainRewind: { fromBlock: 1_500, toBlock: 1_200, seenAt: Date.UTC(2026, 10, 30, 12), minedTo: 1_564 },
    });
    assert.match(mined, /364 empty blocks were mined \(head now 1564, past the old head\)/);
    const whole = summarize([], { state: 'kept', stateReason: '', chainRewind: undefined });
    assert.doesNotMatch(whole, /WENT BACK/);
  });

  it("the real-models hint carries this start's folder and ports (a --models of its own is replaced)", () => {
    const text = summarize([], undefined, [
      ...[
        '--dir',
        '/tmp/x',
        '--models',
        '/old',
        '--relay-port',
        '0',
        '--port',
        '8546',
        '--bridge-port',
        '8081',
      ],
    ]);
    assert.match(
      text,
      /\n {4}npm start -- --dir \/tmp\/x --relay-port 0 --port 8546 --bridge-port 8081 --models \.verinet\/models {6}\(docs/,
    );
    assert.match(summarize([]), /\n {4}npm start -- --models \.verinet\/models {6}\(docs/);
  });

  it('names the explorer once: its page, what it is, and its API on the same line', () => {
    const text = summarize([
      // The indexer: network.json and the bridge's proxy need its URL; the summary shows it through the bridge.
      { name: 'explorer', url: indexer, notes: [], inSummary: false },
      {
        name: 'bridge',
        url: bridge,
        notes: [
          `web UI        ${bridge}/#key=vn_x`,
          `explorer      ${bridge}/#/explorer  (network explorer; its indexer's API: ${indexer}/stats)`,
        ],
        inSummary: true,
      },
    ]);
    const services = text.slice(text.indexOf('\nServices:'), text.indexOf('\nModels:'));
    assert.deepEqual(
      services.split('\n').filter((line) => /explorer/i.test(line)),
      [`    explorer      ${bridge}/#/explorer  (network explorer; its indexer's API: ${indexer}/stats)`],
    );
    assert.match(services, /\n {2}bridge {10}http:\/\/127\.0\.0\.1:8080\n {4}web UI/);
  });

  it('lists a service of its own on a line with its URL and notes', () => {
    const text = summarize([{ name: 'bridge', url: bridge, notes: ['web UI  here'], inSummary: true }]);
    assert.match(text, /\nServices:\n {2}bridge {10}http:\/\/127\.0\.0\.1:8080\n {4}web UI {2}here\n/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type StartedBridge, startBridge } from '@verinet/bridge';
import { startTestNetwork, type TestNetwork } from '../../../bridge/src/test/startTestNetwork.js';
import { buildWebUi } from '../build/buildWebUi.js';
import { getScreenshotDir, launchBrowser, type TestBrowser } from '../testing/launchBrowser.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Bridge mode end to end: the bridge (its keystore pays) serves the built UI; the page authenticates with the
// API key from the #key= link; an image job shows its live protocol progress and its image; a chat answer streams.
describe('bridge mode: images and streaming chat (Chromium)', { timeout: 480_000 }, () => {
  let work: string;
  let network: TestNetwork;
  let bridge: StartedBridge;
  let browser: TestBrowser;
  let shots: string;
  let key: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'verinet-bridge-ui-'));
    network = await startTestNetwork();
    const { root } = await buildWebUi({ outDir: join(work, 'dist') });
    bridge = await startBridge({
      port: 0,
      rpcUrl: network.devnet.anvil.rpcUrl,
      relayUrl: network.relay.url,
      deploymentFile: network.deploymentFile,
      privateKey: network.walletKey,
      sqlitePath: join(work, 'bridge.db'),
      webDir: root,
      logLevel: 'silent',
      env: {},
      overrides: { models: network.models, pollIntervalMs: 100, 'limits.waitSeconds': 240 },
    });
    key = (await bridge.createApiKey('ui-test')).key;
    browser = await launchBrowser();
    shots = getScreenshotDir('bridge');
    console.log(`screenshots: ${shots}`);
  }, setupTimeout);

  after(async () => {
    await browser?.close();
    await bridge?.close();
    await network?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, teardownTimeout);

  it('generates an image with live protocol progress, then lists it in the history', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${bridge.url}/#key=${key}`);
    await page.getByRole('heading', { name: 'Image generator' }).waitFor();
    await page.getByLabel('Prompt', { exact: true }).fill('a red cat');
    await page.getByLabel('Model').fill('tiny-sd');
    await page.getByLabel('Width').selectOption('64');
    await page.getByLabel('Height').selectOption('64');
    await page.getByLabel(/Sampling steps/).fill('2');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('gallery').locator('img').first().waitFor({ timeout: 240_000 });
    for (const step of ['created', 'node', 'scored', 'validated', 'paid']) {
      assert.equal(await page.locator(`[data-step="${step}"]`).getAttribute('data-done'), 'true', step);
    }
    assert.match((await page.getByTestId('job-status').textContent()) ?? '', /succeeded/);
    await page.screenshot({ path: join(shots, 'bridge-generate.png'), fullPage: true });
    await page.reload();
    await page.getByTestId('history').locator('img').first().waitFor();
    await page.close();
  });

  it('streams a chat answer', async () => {
    const page = await browser.context.newPage();
    const streams: string[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/v1/chat/completions'))
        streams.push(response.headers()['content-type'] ?? '');
    });
    await page.goto(`${bridge.url}/#/chat`);
    await page.getByLabel('Model').fill('tiny-chat');
    await page.getByLabel('Max new tokens').fill('4');
    await page.getByLabel('Message').fill('Hello there');
    await page.keyboard.press('Enter');
    const answer = page.locator('[data-role="assistant"] span');
    await page.waitForFunction(
      `(document.querySelector('[data-role="assistant"] span')?.textContent ?? '').length > 0`,
      undefined,
      { timeout: 240_000 },
    );
    await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
    assert.ok((await answer.textContent())?.length);
    assert.match(streams[0] ?? '', /text\/event-stream/);
    await page.screenshot({ path: join(shots, 'bridge-chat.png'), fullPage: true });
    await page.close();
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { privateKeyToAccount } from 'viem/accounts';
import { type SdkNetwork, startSdkNetwork, testModels } from '../../../sdk/src/testing/startSdkNetwork.js';
import { buildWebUi } from '../build/buildWebUi.js';
import { injectTestWallet } from '../testing/injectTestWallet.js';
import { getScreenshotDir, launchBrowser, type TestBrowser } from '../testing/launchBrowser.js';
import { type StaticServer, serveStatic } from '../testing/serveStatic.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const appIndex = 12;

// DApp mode end to end: no bridge. The UI is a static site; an injected EIP-1193 wallet backed by a local key
// signs every transaction and relay request; the SDK in the page talks to anvil and to the real relay; a real
// node daemon runs the tiny Stable Diffusion model. The task must end paid on chain and its image appear.
describe('DApp mode: tasks paid by the browser wallet (Chromium)', { timeout: 480_000 }, () => {
  let work: string;
  let network: SdkNetwork;
  let server: StaticServer;
  let browser: TestBrowser;
  let shots: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'verinet-dapp-'));
    network = await startSdkNetwork();
    await network.joinNode(1);
    await network.startNode(1);
    // One task is enough to show the flow; sampling (1 in 1000 here) is the SDK's tests' subject.
    await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
    const { root } = await buildWebUi({
      outDir: join(work, 'dist'),
      uiConfig: {
        chainId: network.chain.id,
        rpcUrl: network.chain.rpcUrl,
        // The relay's own origin (another port than the page's): the relay answers CORS, no proxy needed.
        relayUrl: network.relay.url,
        deployment: network.chain.contracts,
        explorerUrl: null,
        models: [
          { id: testModels.sd, type: 'sd' },
          { id: testModels.llm, type: 'llm' },
        ],
      },
    });
    server = await serveStatic(root, {});
    browser = await launchBrowser();
    shots = getScreenshotDir('dapp');
    console.log(`screenshots: ${shots}`);
  }, setupTimeout);

  after(async () => {
    await browser?.close();
    await server?.close();
    await network?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, teardownTimeout);

  it('generates an image; the wallet signs and pays; the task ends paid on chain', async () => {
    const page = await browser.context.newPage();
    const privateKey = network.privateKey(appIndex);
    const wallet = await injectTestWallet(page, {
      privateKey,
      chainId: network.chain.id,
      rpcUrl: network.chain.rpcUrl,
    });
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await page.goto(`${server.url}/#/settings`);
    await page.getByLabel(/DApp mode/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Images' }).click();
    assert.match((await page.getByTestId('mode').textContent()) ?? '', /DApp mode/);

    await page.getByLabel('Prompt', { exact: true }).fill('a red cat');
    await page.getByLabel('Model').fill(testModels.sd);
    await page.getByLabel('Width').selectOption('64');
    await page.getByLabel('Height').selectOption('64');
    await page.getByLabel(/Sampling steps/).fill('2');
    await page.getByLabel(/Seed/).fill('3');
    await page.getByRole('button', { name: 'Generate' }).click();

    const image = page.getByTestId('gallery').locator('img');
    await image.first().waitFor({ timeout: 240_000 });
    const decoded = `document.querySelector('[data-testid="gallery"] img')`;
    await page.waitForFunction(`${decoded}.complete && ${decoded}.naturalWidth > 0`);
    assert.deepEqual(await page.evaluate(`[${decoded}.naturalWidth, ${decoded}.naturalHeight]`), [64, 64]);
    for (const step of ['created', 'node', 'scored', 'validated', 'paid', 'downloaded']) {
      assert.equal(await page.locator(`[data-step="${step}"]`).getAttribute('data-done'), 'true', step);
    }
    await page.screenshot({ path: join(shots, 'dapp-generate.png'), fullPage: true });

    // The wallet, not a server, signed the relay requests and sent the transactions.
    assert.ok(wallet.calls.includes('eth_requestAccounts'));
    assert.ok(wallet.calls.includes('eth_signTypedData_v4'), 'relay requests signed in the wallet');
    assert.ok(wallet.calls.includes('eth_sendTransaction'), 'createTask sent by the wallet');
    const app = privateKeyToAccount(privateKey).address;
    const created = await network.devnet.client.getContractEvents({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskCreated',
      args: { creator: app },
      fromBlock: 0n,
    });
    assert.equal(created.length, 1, 'one task created by the wallet account');
    const paid = await network.devnet.client.getContractEvents({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskEndSuccess',
      args: { taskKey: created[0]!.args.taskKey },
      fromBlock: 0n,
    });
    assert.equal(paid.length, 1, 'the task was validated and its node paid');
    await page.close();
  });

  it('chats; follows the wallet to another account; stops on a foreign chain and comes back', async () => {
    const page = await browser.context.newPage();
    const first = network.privateKey(appIndex);
    const second = network.privateKey(appIndex + 1);
    const wallet = await injectTestWallet(page, {
      privateKey: first,
      chainId: network.chain.id,
      rpcUrl: network.chain.rpcUrl,
    });
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await page.goto(`${server.url}/#/settings`);
    await page.getByLabel(/DApp mode/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Chat' }).click();
    const short = (key: typeof first) => {
      const address = privateKeyToAccount(key).address;
      return `${address.slice(0, 6)}…${address.slice(-4)}`;
    };
    await page.getByTestId('wallet').waitFor();
    assert.equal(await page.getByTestId('wallet').textContent(), short(first));

    const chat = async (text: string, answers: number) => {
      await page.getByLabel('Model').fill(testModels.llm);
      await page.getByLabel('Max new tokens').fill('3');
      await page.getByLabel('Message').fill(text);
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        `[...document.querySelectorAll('[data-role="assistant"] span')].filter((s) => s.textContent.length > 0).length >= ${answers}`,
        undefined,
        { timeout: 180_000 },
      );
      await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
    };
    const tasksOf = async (key: typeof first) =>
      network.devnet.client.getContractEvents({
        address: network.chain.contracts.taskManager,
        abi: taskManagerAbi,
        eventName: 'TaskCreated',
        args: { creator: privateKeyToAccount(key).address },
        fromBlock: 0n,
      });
    const before = (await tasksOf(first)).length;
    await chat('Hello there', 1);
    assert.equal((await tasksOf(first)).length, before + 1, 'the chat task was paid by the first account');
    for (const step of ['created', 'node', 'scored', 'validated', 'paid', 'downloaded'])
      assert.equal(await page.locator(`[data-step="${step}"]`).getAttribute('data-done'), 'true', step);
    await page.screenshot({ path: join(shots, 'dapp-chat.png'), fullPage: true });

    // The user picks another account in the wallet: the page follows, and that account pays from then on.
    await wallet.switchAccount(second);
    await page.waitForFunction(
      `document.querySelector('[data-testid="wallet"]')?.textContent === ${JSON.stringify(short(second))}`,
    );
    await chat('And again', 1);
    assert.equal((await tasksOf(second)).length, 1, 'the second chat was paid by the second account');
    assert.equal((await tasksOf(first)).length, before + 1);

    // The wallet moves to another chain: no runner (nothing can be sent there); the page says what to do.
    await wallet.switchChain(999);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /chain 999: switch it to chain \d+/);
    assert.equal(await page.getByTestId('wallet').count(), 0);
    await page.screenshot({ path: join(shots, 'dapp-wrong-chain.png'), fullPage: true });
    // Back on the deployment's chain: the page has a runner again for the same account.
    await wallet.switchChain(network.chain.id);
    await page.getByTestId('wallet').waitFor();
    assert.equal(await page.getByTestId('wallet').textContent(), short(second));
    await page.close();
  });
});

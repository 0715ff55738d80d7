import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getAttackSuccessProbability, getRequiredStake, toNumber } from '@verinet/protocol/staking';
import { parseEther } from 'viem';
import { buildWebUi } from '../build/buildWebUi.js';
import { getScreenshotDir, launchBrowser, type TestBrowser } from '../testing/launchBrowser.js';
import { type StaticServer, serveStatic } from '../testing/serveStatic.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// The staking calculator page in real Chromium: its figures must be the protocol package's exact maths, the
// plot must be drawn, bad input must be named, and the page must work by keyboard and at phone width.
describe('web UI pages (Chromium): staking calculator, labels, keyboard, phone width', {
  timeout: 120_000,
}, () => {
  let outDir: string;
  let server: StaticServer;
  let browser: TestBrowser;
  let shots: string;

  before(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'verinet-web-'));
    const { root } = await buildWebUi({ outDir: join(outDir, 'dist') });
    server = await serveStatic(root, { '/ui-config.json': { explorerUrl: null } });
    browser = await launchBrowser();
    shots = getScreenshotDir('calculator');
    console.log(`screenshots: ${shots}`);
  }, setupTimeout);

  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  }, teardownTimeout);

  it('shows p and the deterrent stake from the seeds formulas, and plots the expected gain', async () => {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${server.url}/#/calculator`);
    await page.getByLabel('Honest nodes (h)').fill('90');
    await page.getByLabel("Attacker's nodes (d)").fill('10');
    await page.getByLabel('Sampling rate r (%)').fill('10');
    await page.getByLabel('Task price k (ETH)').fill('0.01');

    const p = toNumber(getAttackSuccessProbability({ honest: 90, dishonest: 10 }));
    assert.equal(await page.getByTestId('calc-p').textContent(), `${(p * 100).toPrecision(4)} %`);
    const stake = getRequiredStake({
      honest: 90,
      dishonest: 10,
      samplingRate: 0.1,
      taskPrice: parseEther('0.01'),
    });
    const stakeText = await page.getByTestId('calc-stake').textContent();
    const shown = stakeText?.replace(' ETH', '') ?? '';
    // Shown rounded down to 6 decimals.
    assert.ok(Math.abs(Number(shown) - Number(stake) / 1e18) < 1e-6, `${stakeText} vs ${stake} wei`);

    const canvas = page.getByTestId('stake-plot').locator('canvas');
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, 'the plot is drawn');
    // The line crosses zero: some pixels of the plot are the series colour.
    // Evaluated in the page (a string: this file is type-checked without the DOM library).
    const redPixels = Number(
      await page.evaluate(`(() => {
        const c = document.querySelector('[data-testid="stake-plot"] canvas');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] > 150 && data[i + 1] < 80 && data[i + 2] < 80) n++;
        return n;
      })()`),
    );
    assert.ok(redPixels > 50, `the expected-gain line is drawn (${redPixels} pixels)`);
    await page.screenshot({ path: join(shots, 'calculator-desktop.png'), fullPage: true });

    assert.deepEqual(
      requests.filter((url) => !url.startsWith(server.url)),
      [],
      'no request leaves the server that served the page',
    );
    await page.close();
  });

  it('names the bad parameter instead of plotting nonsense', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#/calculator`);
    await page.getByLabel('Honest nodes (h)').fill('1');
    await page.getByLabel("Attacker's nodes (d)").fill('1');
    assert.match((await page.getByRole('alert').textContent()) ?? '', /validation group needs 3 nodes/);
    await page.getByLabel('Honest nodes (h)').fill('0');
    await page.getByLabel("Attacker's nodes (d)").fill('5');
    assert.match((await page.getByTestId('calc-stake').textContent()) ?? '', /no stake deters it/);
    await page.getByLabel('Task price k (ETH)').fill('abc');
    assert.match((await page.getByRole('alert').textContent()) ?? '', /task price/);
    await page.close();
  });

  it('labels every form control of every page', async () => {
    const page = await browser.context.newPage();
    for (const route of ['generate', 'chat', 'explorer', 'calculator', 'settings']) {
      await page.goto(`${server.url}/#/${route}`);
      await page.locator('main h1').waitFor();
      const unlabelled =
        await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim())))
        .map((el) => el.outerHTML)`);
      assert.deepEqual(unlabelled, [], `page ${route}`);
    }
    await page.close();
  });

  it('an unknown page (#/staking) says so and links to every page, by keyboard', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#/staking`);
    await page.getByRole('heading', { name: 'No such page' }).waitFor();
    assert.equal(await page.title(), 'No such page · Verinet');
    const links = page.getByTestId('not-found').getByRole('link');
    assert.equal(await links.count(), 5);
    await links.filter({ hasText: 'Staking calculator' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Staking calculator' }).waitFor();
    assert.equal(await page.evaluate('location.hash'), '#/calculator');
    await page.close();
  });

  it('is usable by keyboard and at phone width', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${server.url}/#/generate`);
    // Tab from the top reaches the skip link, then the navigation; Enter follows a link.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.getByRole('link', { name: 'Staking calculator' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Staking calculator' }).waitFor();
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 375, `no horizontal scrolling at phone width (${width}px)`);
    await page.getByTestId('stake-plot').locator('canvas').waitFor();
    await page.screenshot({ path: join(shots, 'calculator-phone.png'), fullPage: true });
    await page.close();
  });
});

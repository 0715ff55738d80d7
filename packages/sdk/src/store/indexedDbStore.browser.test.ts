/**
 * createIndexedDbStore in real Chromium (Debian's, through playwright-core as the web package's tests run it):
 * a page prepares a task with the SDK (its GUID, nonce and salt drawn and saved), is reloaded, and a new client
 * on the same store finds the task with the same secrets; values, the active filter and order survive too.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchBrowser, type TestBrowser } from '../../../web/src/testing/launchBrowser.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let server: Server;
let url: string;
let browser: TestBrowser;

/** The page's script: the browser build of `@verinet/sdk`, exposed for the test to drive. */
const pageScript = `
import { createClient, createIndexedDbStore } from ${JSON.stringify(fileURLToPath(new URL('../index.ts', import.meta.url)))};
const chain = { id: 31337, rpcUrl: 'http://127.0.0.1:1', contracts: {
  taskManager: '0x0000000000000000000000000000000000000001', nodeRegistry: '0x0000000000000000000000000000000000000002' } };
const key = '0x' + '22'.repeat(32);
window.sdk = {
  // A client whose store is IndexedDB; the fee is given, so preparing an image task needs no chain.
  open: () => createClient({ chain, relay: 'http://127.0.0.1:1', account: key, fee: 5n, store: createIndexedDbStore({ name: 'app' }) }),
  store: () => createIndexedDbStore({ name: 'app' }),
};
window.ready = true;
`;

before(async () => {
  const bundle = await build({
    stdin: { contents: pageScript, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  // IndexedDB needs a real origin (not file://): a tiny page server on 127.0.0.1.
  server = createServer((request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>dapp</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  browser = await launchBrowser();
}, setupTimeout);

after(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
}, teardownTimeout);

describe('createIndexedDbStore in Chromium', { timeout: 120_000 }, () => {
  it("keeps a task's secrets, values, order and phases across page reloads", async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);

    const prepared = await page.evaluate(async () => {
      const { sdk } = globalThis as unknown as {
        sdk: { open(): { prepareTask(p: unknown): Promise<unknown>; close(): Promise<void> } };
      };
      const client = sdk.open();
      const first = (await client.prepareTask({
        type: 'sd',
        args: { base_model: 'verinet/tiny-sd', prompt: 'a lighthouse' },
        id: 'first',
      })) as { id: string; guid: string; members: { nonce: string; salt: string; taskKey: string }[] };
      await client.prepareTask({
        type: 'sd',
        args: { base_model: 'verinet/tiny-sd', prompt: 'b' },
        id: 'second',
      });
      await client.close();
      return first;
    });
    assert.equal(prepared.id, 'first');

    // The second task ends; a value (as the VRF key of a wallet account) is saved.
    await page.evaluate(async () => {
      const { sdk } = globalThis as unknown as {
        sdk: {
          store(): {
            getTask(id: string): Promise<Record<string, unknown>>;
            putTask(r: unknown): Promise<void>;
            setValue(k: string, v: string): Promise<void>;
            close(): Promise<void>;
          };
        };
      };
      const store = sdk.store();
      const second = await store.getTask('second');
      await store.putTask({ ...second, phase: 'done', createdAt: (second.createdAt as number) + 1 });
      await store.setValue('vrfKey:0xapp', '0xsecret');
      await store.close();
    });

    await page.reload();
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
    const after = await page.evaluate(async () => {
      const { sdk } = globalThis as unknown as {
        sdk: {
          open(): {
            getTask(id: string): Promise<unknown>;
            listTasks(f?: { active?: boolean }): Promise<{ id: string }[]>;
            close(): Promise<void>;
          };
          store(): { getValue(k: string): Promise<string | undefined>; close(): Promise<void> };
        };
      };
      const client = sdk.open();
      const first = await client.getTask('first');
      const all = (await client.listTasks()).map((t) => t.id);
      const active = (await client.listTasks({ active: true })).map((t) => t.id);
      await client.close();
      const store = sdk.store();
      const value = await store.getValue('vrfKey:0xapp');
      const missing = await store.getValue('nothing');
      await store.close();
      return { first, all, active, value, missing };
    });
    assert.deepEqual(after.first, prepared, 'the same record, secrets included, after the reload');
    assert.deepEqual(after.all, ['first', 'second'], 'oldest first');
    assert.deepEqual(after.active, ['first'], 'a done task is not active');
    assert.equal(after.value, '0xsecret');
    assert.equal(after.missing, undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { contractsOf, readOwed, readTask } from '../chain/taskManager.js';
import { RelayError } from '../errors/index.js';
import { createHttpRelayClient } from '../relay/createHttpRelayClient.js';
import { getTask } from '../store/index.js';
import { createTestTask, joinTestNode, setTestRelaySigner, validateTestTask } from '../testing/app.js';
import { startTestDevnet, type TestDevnet, testWallet, waitFor } from '../testing/devnet.js';
import { type RealRelay, startRealRelay } from '../testing/startRealRelay.js';
import { startTestNode, type TestNode } from '../testing/startTestNode.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const root = mkdtempSync(join(tmpdir(), 'verinet-daemon-relay-'));
const modelsDir = join(root, 'models');
let devnet: TestDevnet;
let relay: RealRelay;
let node: TestNode;
const appIndex = 16;
const fee = parseEther('0.01');
const llmArgs = {
  model: 'verinet/tiny-gpt2',
  messages: [{ role: 'user', content: 'Hi there' }],
  generation_config: { max_new_tokens: 4 },
  seed: 2,
};

before(async () => {
  await writeTinyGpt2({ modelsDir });
  devnet = await startTestDevnet();
  relay = await startRealRelay(devnet);
  await joinTestNode(devnet, 2, ['base:verinet/tiny-gpt2']);
  const account = privateKeyToAccount(testWallet(devnet, 2).privateKey);
  const client = createHttpRelayClient({
    url: relay.url,
    signer: account,
    chainId: devnet.deployment.chainId,
    taskManager: devnet.deployment.contracts.taskManager,
  });
  node = await startTestNode({ devnet, index: 2, relay: client, dataDir: join(root, 'node'), modelsDir });
}, setupTimeout);
after(async () => {
  await node?.stop();
  await relay?.stop();
  await devnet?.stop();
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

describe('node daemon with the real relay (HTTP, signed requests)', { timeout: 180_000 }, () => {
  it('downloads the arguments, uploads and commits the result, submits the score, is paid', async () => {
    const task = await createTestTask(devnet, appIndex, 'llm', llmArgs, fee);
    assert.ok(task.node);
    const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
    // The node asks before the app uploads: the relay's refusal (`{ error: { code, message } }`) is read by
    // its code, retried, and shown to the operator in the relay's words.
    await waitFor(() => (getTask(node.store, task.taskKey)?.attempts ?? 0) >= 1, 30_000, 'a refused fetch');
    assert.match(
      getTask(node.store, task.taskKey)?.lastError ?? '',
      /^relay: relay refused GET \/v1\/tasks\/0x[0-9a-f]{64}\/args: ARGS_NOT_UPLOADED: \S/,
    );
    await relay.uploadArgs(app, task.taskKey, task.bytes, task.salt);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
    const chain = await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey);
    assert.equal(chain.state, 'ScoreReady');
    // The relay holds the committed result (its own recomputed score equals the node's).
    const result = await fetch(`${relay.url}/v1/tasks/${task.taskKey}/result`).then((r) => r.status);
    assert.ok([200, 401, 403].includes(result), `relay knows the result (status ${result})`);
    await validateTestTask(devnet, appIndex, task.taskKey);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
    assert.equal(getTask(node.store, task.taskKey)?.outcome, 'success');
    assert.equal(await readOwed(devnet.client, contractsOf(devnet.deployment), task.node!), fee);
  });

  it("reads the relay's error codes: a final refusal is not retryable, a passing one is", async () => {
    const task = await createTestTask(devnet, appIndex, 'llm', { ...llmArgs, seed: 4 }, fee);
    const stranger = createHttpRelayClient({
      url: relay.url,
      signer: privateKeyToAccount(testWallet(devnet, 9).privateKey),
      chainId: devnet.deployment.chainId,
      taskManager: devnet.deployment.contracts.taskManager,
    });
    const refused = await stranger.fetchTaskArgs(task.taskKey).then(
      () => assert.fail("a node that is not the task's got its arguments"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof RelayError);
    assert.equal(refused.code, 'NOT_TASK_NODE');
    assert.equal(refused.retryable, false);
    assert.match(refused.shortMessage, /NOT_TASK_NODE: .*0x/);
    // The task's own node, before the app uploaded: ARGS_NOT_UPLOADED, retryable.
    const own = createHttpRelayClient({
      url: relay.url,
      signer: privateKeyToAccount(testWallet(devnet, 2).privateKey),
      chainId: devnet.deployment.chainId,
      taskManager: devnet.deployment.contracts.taskManager,
    });
    const early = await own.fetchTaskArgs(task.taskKey).then(
      () => assert.fail('served arguments nobody uploaded'),
      (error: unknown) => error as RelayError,
    );
    assert.equal(early.code, 'ARGS_NOT_UPLOADED');
    assert.equal(early.retryable, true);
    // A result the relay can check and refuse for good (not the file set the arguments ask for): the daemon
    // gives the task up instead of submitting a score the relay cannot serve.
    const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
    await relay.uploadArgs(app, task.taskKey, task.bytes, task.salt);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
    const wrongScore = await own
      .uploadResult({ taskKey: task.taskKey, score: `0x${'00'.repeat(32)}`, files: [] })
      .then(
        () => assert.fail('the relay took a second score'),
        (error: unknown) => error as RelayError,
      );
    assert.equal(wrongScore.code, 'RESULT_COMMITTED');
    assert.equal(wrongScore.retryable, false);
    await validateTestTask(devnet, appIndex, task.taskKey);
  });

  it('keeps retrying while the relay is down, says so, and completes once it is back', async () => {
    const port = Number(new URL(relay.url).port);
    await relay.stop();
    const task = await createTestTask(devnet, appIndex, 'llm', { ...llmArgs, seed: 3 }, fee);
    await waitFor(() => (getTask(node.store, task.taskKey)?.attempts ?? 0) >= 1, 30_000, 'a failed attempt');
    assert.match(getTask(node.store, task.taskKey)?.lastError ?? '', /relay .*unreachable/);
    relay = await startRealRelay(devnet, { port });
    const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
    await relay.uploadArgs(app, task.taskKey, task.bytes, task.salt);
    await waitFor(
      () => getTask(node.store, task.taskKey)?.step === 'reported',
      120_000,
      'reported after the relay came back',
    );
    await validateTestTask(devnet, appIndex, task.taskKey);
  });

  it("with a relay signer on chain, submitScore carries the relay's ResultAvailable statement", async () => {
    await setTestRelaySigner(devnet, relay.signer);
    const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
    const task = await createTestTask(devnet, appIndex, 'llm', { ...llmArgs, seed: 5 }, fee, {
      relayStatement: relay.statementFor(app, 'llm'),
    });
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported').catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(getTask(node.store, task.taskKey))}`);
      },
    );
    const record = getTask(node.store, task.taskKey)!;
    assert.match(record.resultSignature ?? '', /^0x[0-9a-f]{130}$/i, 'the statement was kept');
    // The contract accepted it (it refuses a score without the statement while a relay signer is set).
    assert.equal(
      (await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey)).state,
      'ScoreReady',
    );
    const [tx] = node.store.db
      .prepare("SELECT raw FROM transactions WHERE task_key = ? AND purpose = 'submitScore'")
      .all(task.taskKey.toLowerCase()) as { raw: Hex }[];
    assert.ok(tx?.raw.toLowerCase().includes(record.resultSignature!.slice(2).toLowerCase()));
    await validateTestTask(devnet, appIndex, task.taskKey);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'ended', 30_000, 'ended');
    assert.equal(getTask(node.store, task.taskKey)?.outcome, 'success');
  });
});

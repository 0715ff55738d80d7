/**
 * Crash tests: the node daemon runs as its own process (`packages/node/src/cli/main.ts run`), kills itself
 * with SIGKILL right after persisting a given point of a task (VERINET_NODE_CRASH_AT), and is restarted. The
 * restarted process finishes that task and is the one that crashes at the next case's point (on the next task):
 * one process start per case, on one shared devnet.
 * Real anvil, real contracts, the real relay over HTTP, the real worker with the tiny GPT-2.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { writeDeployment } from '@verinet/protocol/chain';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { writeTinySdModel } from '@verinet/worker/sd/tiny';
import Database from 'better-sqlite3';
import { type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { contractsOf, readNodeInfo, readOwed, readTask } from '../chain/taskManager.js';
import { createTestTask, joinTestNode, settleTestDraws, validateTestTask } from '../testing/app.js';
import { startTestDevnet, type TestDevnet, testMinStake, testWallet, waitFor } from '../testing/devnet.js';
import { exitWithParentModule, killOnExit } from '../testing/killOnExit.js';
import { type RealRelay, startRealRelay } from '../testing/startRealRelay.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const mainScript = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'verinet-crash-'));
const nodeIndex = 3;
const appIndex = 17;
const fee = parseEther('0.01');
let devnet: TestDevnet;
let relay: RealRelay;
let configPath: string;
const dbPath = join(root, 'data', 'node.db');
let nodeAddress: Hex;

before(async () => {
  const modelsDir = join(root, 'models');
  await writeTinyGpt2({ modelsDir });
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd' });
  devnet = await startTestDevnet();
  relay = await startRealRelay(devnet);
  nodeAddress = await joinTestNode(devnet, nodeIndex, ['base:verinet/tiny-gpt2', 'base:verinet/tiny-sd']);
  const deploymentPath = join(root, 'deployment.json');
  writeDeployment(deploymentPath, devnet.deployment);
  const keystorePath = join(root, 'node-key.json');
  writeFileSync(
    keystorePath,
    JSON.stringify(
      encryptKeystore(testWallet(devnet, nodeIndex).privateKey, 'crash-test', { scryptN: 1024 }),
    ),
  );
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, 'crash-test\n');
  configPath = join(root, 'node.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      rpcUrl: devnet.anvil.rpcUrl,
      deployment: deploymentPath,
      keystore: keystorePath,
      passwordFile,
      dataDir: join(root, 'data'),
      modelsDir,
      relayUrl: relay.url,
      confirmations: 0,
      pollIntervalMs: 50,
      followIntervalMs: 1000,
      // The app settles every draw itself: a settlement by the node would be one more transaction to count.
      settleDelayMs: 600_000,
      api: { port: 0 },
      withdrawIntervalMs: 0,
      logLevel: 'warn',
    }),
  );
}, setupTimeout);
after(async () => {
  await relay?.stop();
  await devnet?.stop();
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

function startNodeProcess(
  crashAt?: string,
  spare: readonly Hex[] = [],
): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output: () => string;
} {
  const env = { ...process.env };
  delete env.VERINET_NODE_CRASH_AT;
  delete env.VERINET_NODE_CRASH_SPARE;
  if (crashAt) env.VERINET_NODE_CRASH_AT = crashAt;
  if (crashAt && spare.length > 0) env.VERINET_NODE_CRASH_SPARE = spare.join(',');
  const child = killOnExit(
    spawn(
      process.execPath,
      ['--import', 'tsx', '--import', exitWithParentModule, mainScript, 'run', '--config', configPath],
      { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    ),
  );
  child.channel?.unref();
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output.slice(-4000) };
}

async function stopNodeProcess(node: ReturnType<typeof startNodeProcess>) {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 15_000);
  await node.exited;
  clearTimeout(timer);
}

function readStore<T>(query: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}
const stepOf = (taskKey: Hex) =>
  readStore<{ step: string }>('SELECT step FROM tasks WHERE task_key = ?', taskKey.toLowerCase())[0]?.step;

const llmCrashPoints = [
  // First: a fresh process, whose first commit holds the task's TaskStarted (later processes are restarts).
  'events_committed',
  'step:args_ready',
  'step:models_ready',
  'worker_running',
  'step:executed',
  'step:result_uploaded',
  'tx_signed',
  'tx_sent',
  'step:reported',
];
/** SD tasks share every step with LLM ones; these are where their own code runs (images, pHash, PNG upload). */
const sdCrashPoints = ['worker_running', 'step:executed', 'tx_sent'];
const crashCases = [
  ...llmCrashPoints.map((point) => ({ type: 'llm' as const, point })),
  ...sdCrashPoints.map((point) => ({ type: 'sd' as const, point })),
];
/** The last case: the node crashes, then stays down past the task's timeout. */
const timeoutCrashPoint = 'step:models_ready';
const argsOf = (type: 'llm' | 'sd', point: string) =>
  type === 'llm'
    ? {
        model: 'verinet/tiny-gpt2',
        messages: [{ role: 'user', content: `crash ${point}` }],
        generation_config: { max_new_tokens: 3 },
      }
    : {
        base_model: 'verinet/tiny-sd',
        prompt: `crash ${point}`,
        task_config: { image_width: 64, image_height: 64, steps: 2, seed: 1, num_images: 1 },
      };

type NodeProcess = ReturnType<typeof startNodeProcess>;
/**
 * One process start per crash: the process restarted after case k's crash finishes case k's task (its points are
 * spared for the tasks before) and is the one that crashes at case k+1's point, on case k+1's task.
 */
let running: (NodeProcess & { crashAt: string | undefined }) | undefined;
const sparedTasks: Hex[] = [];
const restartFor = (nextPoint: string | undefined) => ({
  ...startNodeProcess(nextPoint, sparedTasks),
  crashAt: nextPoint,
});
/** The process that is to crash at `point`: the running one (restarted after the case before), else a new one. */
async function crashingProcess(point: string): Promise<NodeProcess> {
  const current = running;
  running = undefined;
  if (current?.crashAt === point) return current;
  // Only when cases were filtered out (--test-name-pattern), or a case before failed: the running process, if
  // any, waits for another point. The new one spares the earlier cases' tasks, so it crashes on this case's.
  if (current) await stopNodeProcess(current);
  return startNodeProcess(point, sparedTasks);
}

/** Creates a task drawn to the node, with its arguments on the relay before the draw (no fetch retry). */
async function createDrawnTask(type: 'llm' | 'sd', args: unknown): Promise<Hex> {
  const app = privateKeyToAccount(testWallet(devnet, appIndex).privateKey);
  const task = await createTestTask(devnet, appIndex, type, args, fee, { settle: false });
  await relay.uploadArgs(app, task.taskKey, task.bytes, task.salt);
  await settleTestDraws(devnet, appIndex);
  const chain = await readTask(devnet.client, contractsOf(devnet.deployment), task.taskKey);
  assert.equal(chain.node.toLowerCase(), nodeAddress.toLowerCase());
  return task.taskKey;
}

/** Waits for the node process to kill itself at its crash point (with its output when it does not). */
async function awaitCrash(node: NodeProcess, point: string): Promise<void> {
  let gaveUp = false;
  const timer = setTimeout(() => {
    gaveUp = true;
    node.child.kill('SIGKILL');
  }, 120_000);
  const { signal } = await node.exited;
  clearTimeout(timer);
  assert.ok(!gaveUp, `the node never reached ${point} in 120 s\n${node.output()}`);
  assert.equal(signal, 'SIGKILL', `the node reached ${point} and killed itself\n${node.output()}`);
}

const workerRuns = (taskKey: Hex) =>
  readStore<{ n: number }>(
    "SELECT COUNT(*) AS n FROM node_log WHERE task_key = ? AND message LIKE 'Running the worker%'",
    taskKey.toLowerCase(),
  )[0]!.n;

describe('kill -9 at each point of a task, then restart', { timeout: 1_200_000 }, () => {
  after(async () => {
    if (running) await stopNodeProcess(running);
  }, teardownTimeout);
  for (const [index, { type, point }] of crashCases.entries()) {
    it(`${type} task, crash at ${point}: the task completes once, the node is paid and not slashed`, async () => {
      const taskKey = await createDrawnTask(type, argsOf(type, point));
      try {
        await awaitCrash(await crashingProcess(point), point);
      } finally {
        // Spared by every later process even when this case failed: a later case's crash is on its own task.
        sparedTasks.push(taskKey);
      }
      const nextPoint = crashCases[index + 1]?.point ?? timeoutCrashPoint;
      running = restartFor(nextPoint);
      await waitFor(
        () => ['reported', 'ended'].includes(stepOf(taskKey) ?? ''),
        120_000,
        `task reported after a crash at ${point}\n${running.output()}`,
      );
      assert.equal(
        (await readTask(devnet.client, contractsOf(devnet.deployment), taskKey)).state,
        'ScoreReady',
      );
      // This task's payment, whatever the cases before left owed (a failed case pays nothing: only the app's
      // validation below credits the node).
      const owedBefore = await readOwed(devnet.client, contractsOf(devnet.deployment), nodeAddress);
      await validateTestTask(devnet, appIndex, taskKey);
      // The node notices the end on its next follow of the chain: seconds, or much more on a loaded machine.
      await waitFor(() => stepOf(taskKey) === 'ended', 120_000, 'ended').catch((error: Error) => {
        throw new Error(`${error.message}\n${running?.output()}`);
      });
      const [row] = readStore<{ outcome: string }>(
        'SELECT outcome FROM tasks WHERE task_key = ?',
        taskKey.toLowerCase(),
      );
      assert.equal(row?.outcome, 'success');
      // Exactly one score transaction, mined; every nonce the node used belongs to a recorded transaction.
      const txs = readStore<{ purpose: string; status: string }>(
        'SELECT purpose, status FROM transactions WHERE task_key = ?',
        taskKey.toLowerCase(),
      );
      assert.deepEqual(txs, [{ purpose: 'submitScore', status: 'mined' }]);
      const mined = readStore<{ n: number }>(
        "SELECT COUNT(*) AS n FROM transactions WHERE status = 'mined'",
      )[0]!.n;
      assert.equal(
        await devnet.client.getTransactionCount({ address: nodeAddress }),
        mined + 1,
        'join + one tx per recorded mined tx',
      );
      // The worker ran once, except when the crash cut its only run short.
      assert.equal(
        workerRuns(taskKey),
        point === 'worker_running' ? 2 : 1,
        `worker runs after a crash at ${point}`,
      );
      // Paid, never slashed.
      assert.equal(
        await readOwed(devnet.client, contractsOf(devnet.deployment), nodeAddress),
        owedBefore + fee,
        'owed exactly this task fee more',
      );
      const info = await readNodeInfo(devnet.client, contractsOf(devnet.deployment), nodeAddress);
      assert.equal(info.status, 'Available');
      assert.equal(info.stake, testMinStake);
    });
  }

  it('kill -9, and the node stays down past the task timeout: on restart it does not run the stale task, ends it as timed out, and is not slashed', async () => {
    const taskKey = await createDrawnTask('llm', {
      model: 'verinet/tiny-gpt2',
      messages: [{ role: 'user', content: 'too late' }],
      generation_config: { max_new_tokens: 3 },
    });
    await awaitCrash(await crashingProcess(timeoutCrashPoint), timeoutCrashPoint);
    // The node is down for longer than the task's timeout (15 min for LLM tasks).
    await devnet.rpc('evm_increaseTime', [16 * 60]);
    await devnet.rpc('anvil_mine', ['0x1']);
    const owedBefore = await readOwed(devnet.client, contractsOf(devnet.deployment), nodeAddress);
    sparedTasks.push(taskKey);
    running = restartFor(undefined);
    await waitFor(() => stepOf(taskKey) === 'ended', 120_000, 'the timed-out task ended');
    await stopNodeProcess(running);
    running = undefined;
    const [row] = readStore<{ outcome: string; error_kind: string | null }>(
      'SELECT outcome, error_kind FROM tasks WHERE task_key = ?',
      taskKey.toLowerCase(),
    );
    assert.equal(row?.outcome, 'aborted');
    assert.equal(workerRuns(taskKey), 0, 'no execution after the deadline');
    assert.equal(
      (await readTask(devnet.client, contractsOf(devnet.deployment), taskKey)).state,
      'EndAborted',
    );
    assert.equal(await readOwed(devnet.client, contractsOf(devnet.deployment), nodeAddress), owedBefore);
    const info = await readNodeInfo(devnet.client, contractsOf(devnet.deployment), nodeAddress);
    assert.equal(info.status, 'Available', 'released, not kicked out');
    assert.equal(info.stake, testMinStake, 'not slashed');
    // The timeout costs QoS only (and only while a relay signer attests that the arguments were available).
    assert.ok(info.consecutiveTimeouts <= 1n);
  });
});

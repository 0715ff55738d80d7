import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Anvil, startAnvil } from '@verinet/cli/src/anvil/startAnvil.js';
import { buildContracts } from '@verinet/cli/src/deploy/artifacts.js';
import { deployContracts } from '@verinet/cli/src/deploy/deployContracts.js';
import { getDevnetPrivateKey } from '@verinet/cli/src/deploy/devnetAccounts.js';
import { createDevnetActors, type DevnetActors } from '@verinet/cli/src/scenarios/devnetActors.js';
import {
  imageScore,
  joinNodes,
  runUnsampledTask,
  runValidationGroup,
  type ValidationGroupResult,
} from '@verinet/cli/src/scenarios/taskScenarios.js';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { getAddress, parseEther } from 'viem';
import { buildWebUi } from '../build/buildWebUi.js';
import { type ExplorerIndexer, startExplorerIndexer } from '../explorer/startExplorerIndexer.js';
import { getScreenshotDir, launchBrowser, type TestBrowser } from '../testing/launchBrowser.js';
import { type StaticServer, serveStatic } from '../testing/serveStatic.js';
import { getFreePort } from '../utils/getFreePort.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

type Stats = {
  tasksCreated: number;
  tasksPaid: number;
  tasksRefunded: number;
  groupsValidated: number;
  slashes: number;
  feesPaid: string;
  nodesActive: number;
  nodesBusy: number;
  lastBlock: string;
};

// The explorer end to end: real anvil and contracts, tasks played by the CLI's scenarios (paid single tasks, a
// sampled validation group in which one node cheats and is slashed), the Ponder indexer backfilling them and
// then following the chain live, and the explorer page in real Chromium.
describe('network explorer (anvil + Ponder + Chromium)', { timeout: 480_000 }, () => {
  let work: string;
  let anvil: Anvil;
  let actors: DevnetActors;
  let indexer: ExplorerIndexer;
  let server: StaticServer;
  let browser: TestBrowser;
  let group: ValidationGroupResult;
  let shots: string;
  const stake = parseEther('1');
  const fee = parseEther('0.01');
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${indexer.url}/explorer${path}`);
    assert.equal(response.status, 200, path);
    return (await response.json()) as T;
  };
  const waitForStats = async (check: (stats: Stats) => boolean, what: string) => {
    const deadline = Date.now() + 60_000;
    let stats = await get<Stats>('/stats');
    while (!check(stats)) {
      if (Date.now() > deadline) throw new Error(`explorer never showed ${what}: ${JSON.stringify(stats)}`);
      await new Promise((done) => setTimeout(done, 250));
      stats = await get<Stats>('/stats');
    }
    return stats;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'verinet-explorer-'));
    buildContracts();
    anvil = await startAnvil();
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      privateKey: getDevnetPrivateKey(0),
      minStake: stake,
    });
    const deploymentPath = join(work, 'deployment.json');
    writeFileSync(deploymentPath, JSON.stringify({ ...deployment, rpcUrl: anvil.rpcUrl }));
    actors = createDevnetActors(anvil.rpcUrl, deployment, 3);
    await joinNodes(actors, stake);
    await runUnsampledTask(actors, fee, imageScore('honest'));
    // The third member cheats: the two others agree, so it is slashed and they are paid.
    group = await runValidationGroup(actors, fee, (i) => imageScore(i === 2 ? 'cheat' : 'honest'));

    indexer = await startExplorerIndexer({
      deploymentPath,
      dataDir: join(work, 'explorer'),
      port: await getFreePort(),
      pollingIntervalMs: 250,
    });
    const { root } = await buildWebUi({ outDir: join(work, 'dist') });
    server = await serveStatic(root, { '/ui-config.json': { explorerUrl: `${indexer.url}/explorer` } });
    browser = await launchBrowser();
    shots = getScreenshotDir('explorer');
    console.log(`screenshots: ${shots}`);
  }, setupTimeout);

  after(async () => {
    await browser?.close();
    await server?.close();
    await indexer?.stop();
    await anvil?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, teardownTimeout);

  it('indexes the tasks, the validation group and the slash', async () => {
    const rounds = group.unsampledRounds;
    // 1 unsampled task + `rounds` unsampled rounds (each paid) + the group's 3 members.
    const tasks = 1 + rounds + 3;
    const stats = await waitForStats((s) => s.tasksCreated === tasks && s.slashes === 1, `${tasks} tasks`);
    assert.equal(stats.groupsValidated, 1);
    // Busy comes from TaskStarted and ends with the report (the registry logs neither change): every node that
    // ran a task is free again, the slashed one is gone.
    assert.equal(stats.nodesBusy, 0);
    assert.equal(stats.nodesActive, 2);
    // One fee per agreeing group: the original is paid, the other winner and the cheater are refunded.
    assert.equal(stats.tasksPaid, 1 + rounds + 1);
    assert.equal(stats.tasksRefunded, 2);
    assert.equal(BigInt(stats.feesPaid), fee * BigInt(1 + rounds + 1));
    // lastBlock is the indexed head, not the last block with an event: blocks without any come after it (s15).
    for (let i = 0; i < 3; i++)
      await fetch(anvil.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] }),
      });
    const head = BigInt(
      (
        (await (
          await fetch(anvil.rpcUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
          })
        ).json()) as { result: string }
      ).result,
    );
    await waitForStats((s) => BigInt(s.lastBlock) === head, `the indexed head ${head}`);

    const cheater = group.tasks[2]!;
    const { slashes } = await get<{ slashes: { node: string; amount: string; taskKey: string }[] }>(
      '/slashes',
    );
    assert.equal(slashes.length, 1);
    // EIP-55 checksummed, as wallets and the CLI print them (Ponder stores them lower-case).
    assert.equal(slashes[0]!.node, getAddress(cheater.node));
    assert.equal(slashes[0]!.taskKey, cheater.taskKey);
    assert.equal(BigInt(slashes[0]!.amount), stake);

    const { groups } = await get<{ groups: { originalKey: string; member1: string; member2: string }[] }>(
      '/groups',
    );
    assert.deepEqual(
      [groups[0]!.originalKey, groups[0]!.member1, groups[0]!.member2].sort(),
      group.tasks.map((t) => t.taskKey).sort(),
    );
    const { task } = await get<{ task: { state: string; sampled: boolean } }>(`/tasks/${cheater.taskKey}`);
    assert.equal(task.state, 'EndInvalidated');
    assert.equal(task.sampled, true);

    const { nodes } = await get<{
      nodes: { address: string; stake: string; earnings: string; slashed: string }[];
    }>('/nodes');
    assert.equal(nodes.length, 3);
    const slashed = nodes.find((n) => n.address === getAddress(cheater.node))!;
    assert.equal(slashed.stake, '0');
    assert.equal(BigInt(slashed.slashed), stake);
    const earned = nodes.reduce((sum, n) => sum + BigInt(n.earnings), 0n);
    assert.equal(earned, BigInt(stats.feesPaid), 'node earnings add up to the fees paid');
  });

  it('answers bad parameters with a 400 naming them', async () => {
    for (const [path, parameter] of [
      ['/tasks?limit=0', 'limit'],
      ['/tasks?limit=abc', 'limit'],
      ['/tasks?before=-1', 'before'],
      ['/tasks/0x1234', 'taskKey'],
      ['/nodes/not-an-address', 'address'],
    ] as const) {
      const response = await fetch(`${indexer.url}/explorer${path}`);
      assert.equal(response.status, 400, path);
      const body = (await response.json()) as { error: { parameter: string } };
      assert.equal(body.error.parameter, parameter, path);
    }
    const missing = await fetch(`${indexer.url}/explorer/tasks/0x${'ab'.repeat(32)}`);
    assert.equal(missing.status, 404);
  });

  it('shows nodes, tasks, the group and the slash in the browser, and counts a new task live', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#/explorer`);
    await page.getByTestId('nodes-table').waitFor();
    assert.equal(await page.getByTestId('nodes-table').locator('tbody tr').count(), 3);
    assert.match((await page.getByTestId('nodes-table').textContent()) ?? '', /NVIDIA GeForce RTX 4090/);
    assert.equal(await page.getByTestId('groups-list').locator('li').count(), 1);
    assert.match((await page.getByTestId('slashes-list').textContent()) ?? '', /lost 1 ETH for task/);
    const before = Number(await page.getByTestId('stat-tasks').textContent());
    await page.screenshot({ path: join(shots, 'explorer-desktop.png'), fullPage: true });

    // Two honest nodes remain: one more paid task shows up without reloading the page.
    await runUnsampledTask(actors, fee, imageScore('honest'));
    await page.waitForFunction(
      `Number(document.querySelector('[data-testid="stat-tasks"]')?.textContent) === ${before + 1}`,
      undefined,
      { timeout: 30_000 },
    );
    await page.setViewportSize({ width: 375, height: 740 });
    await page.screenshot({ path: join(shots, 'explorer-phone.png'), fullPage: true });
    await page.close();
  });

  it('resumes after being killed (SIGKILL) without losing or double-counting events', async () => {
    const counted = await get<Stats>('/stats');
    const { port } = new URL(indexer.url);
    indexer.process.kill('SIGKILL');
    await new Promise((done) => indexer.process.once('exit', done));
    // One more task while the indexer is down: it must be picked up once on restart.
    await runUnsampledTask(actors, fee, imageScore('honest'));
    indexer = await startExplorerIndexer({
      deploymentPath: join(work, 'deployment.json'),
      dataDir: join(work, 'explorer'),
      port: Number(port),
      pollingIntervalMs: 250,
    });
    // The chain is the truth: the indexer must reach exactly its counts (a replayed event would overshoot).
    const count = async (
      eventName: 'TaskCreated' | 'TaskEndSuccess' | 'TaskEndGroupSuccess' | 'TaskGroupValidated',
    ) =>
      (
        await actors.publicClient.getContractEvents({
          address: actors.taskManager.address,
          abi: taskManagerAbi,
          eventName,
          fromBlock: 0n,
        })
      ).length;
    const created = await count('TaskCreated');
    const paid = (await count('TaskEndSuccess')) + (await count('TaskEndGroupSuccess'));
    assert.equal(created, counted.tasksCreated + 1);
    const stats = await waitForStats(
      (s) => s.tasksCreated === created && s.tasksPaid === paid,
      `${created} tasks and ${paid} paid, as on chain`,
    );
    assert.equal(stats.groupsValidated, await count('TaskGroupValidated'));
    assert.equal(stats.slashes, counted.slashes);
  });
});

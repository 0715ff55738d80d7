import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeDeployment } from '@verinet/protocol/chain';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import type { TaskRecord } from '@verinet/sdk';
import { createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSqliteStore } from '../../../sdk/src/store/createSqliteStore.js';
import { getBareTaskParameters } from '../../../sdk/src/testing/getBareTaskParameters.js';
import { startAnvil } from '../anvil/startAnvil.js';
import { captureCli } from '../cli/captureCli.js';
import { buildContracts } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { encryptKeystore } from '../keystore/keystore.js';
import { recordTaskResults } from '../task/taskResultsFile.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

/** `task status` and `task drop` against a real SQLite task store (no chain needed: they read the store only). */
describe('task status / drop name a task by id, id prefix or task key', () => {
  let dir = '';
  let storePath = '';
  const refusedKey = `0x${'ab'.repeat(32)}`;
  const oneNode = '0x8C3229EC621644789d7F61FAa82c6d0E5F97d43D';
  const base = (id: string, taskKey: string, phase: TaskRecord['phase']): TaskRecord =>
    ({
      v: 1,
      id,
      taskType: 'llm',
      phase,
      members: [{ role: 'original', taskKey, fee: '1000000000' }],
      previous: [],
      resubmits: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    }) as unknown as TaskRecord;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verinet-status-'));
    storePath = join(dir, 'tasks.db');
    const store = createSqliteStore({ path: storePath });
    await store.putTask({
      ...base('aa11000000000000000000000000000a', refusedKey, 'failed'),
      error: {
        name: 'TaskRefusedError',
        message:
          'The node refused the task.\n  The report was accepted and the fee is owed back: call client.withdraw().',
      },
    });
    await store.putTask(base('aa22000000000000000000000000000b', `0x${'cd'.repeat(32)}`, 'prepared'));
    // The trial's case: sampled on a devnet with one free node, every member ran on it, the group was given up.
    const member = (byte: string, state: string) => ({
      role: 'member',
      taskKey: `0x${byte.repeat(32)}`,
      fee: '1000000000',
      state,
      node: oneNode,
      score: `0x${'77'.repeat(32)}`,
      outcome: 'paid',
    });
    await store.putTask({
      ...base('bb33000000000000000000000000000c', `0x${'e1'.repeat(32)}`, 'done'),
      sampled: true,
      validation: 'single',
      members: [
        { ...member('e1', 'EndSuccess'), role: 'original' },
        member('e2', 'EndSuccess'),
        member('e3', 'EndSuccess'),
      ],
      replaced: [1, 2, 3, 4].map((n) => member(`f${n}`, 'EndSuccess')),
    } as unknown as TaskRecord);
    const queued = base('cc55000000000000000000000000000e', `0x${'e5'.repeat(32)}`, 'running');
    await store.putTask({ ...queued, members: [{ ...queued.members[0], state: 'Queued' }] } as TaskRecord);
    await store.putTask({
      ...base('bb44000000000000000000000000000d', `0x${'e4'.repeat(32)}`, 'done'),
      sampled: true,
      validation: 'group',
    });
    await store.close();
  }, setupTimeout);
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
  const cli = (...args: string[]) => captureCli(['task', ...args, '--store', storePath, '--devnet', dir]);

  it('finds a task by its TASK KEY and speaks of `verinet task withdraw`, not client.withdraw()', async () => {
    const run = await cli('status', refusedKey);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^task aa11000000000000000000000000000a \(llm\)/);
    assert.match(run.stdout, /owed back: run `verinet task withdraw`/);
    assert.doesNotMatch(run.stdout, /client\.withdraw/);
    const json = await cli('status', 'aa11', '--json');
    assert.match(
      (JSON.parse(json.stdout) as { error: { message: string } }).error.message,
      /verinet task withdraw/,
    );
  });

  it('a sampled task validated alone does not claim a group checked it, and says why', async () => {
    const run = await cli('status', 'bb33');
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /validated by a group/);
    assert.match(
      run.stdout,
      /\n {2}sampled {5}yes, but the group check was given up \(its tasks kept running on one node already in the group, 4 replaced: too few free nodes to compare\): each result was validated alone\n/,
    );
    const group = await cli('status', 'bb44');
    assert.match(group.stdout, /\n {2}sampled {5}yes \(validated by a group of 3\)\n/);
  });

  it('a task waiting in the queue reads `queued`, not `running`', async () => {
    const run = await cli('status', 'cc55');
    assert.match(run.stdout, /\n {2}phase {7}queued\n/);
    assert.match(run.stdout, /\n {2}original {4}0x(?:e5){32} {2}Queued\n/);
    // No chain here (the folder has no deployment): said, and the local record shown.
    assert.match(run.stdout, /\n {2}chain {7}not read \(.+\): the states above are the local record\n/);
    // No devnet runs here: said, and no `task resume` suggested that could only fail (trial s14).
    assert.match(
      run.stdout,
      /\n {2}devnet {6}not running: `npm start` starts it; `verinet task status cc55000000000000000000000000000e` then reads the chain\n/,
    );
    assert.doesNotMatch(run.stdout, /task resume/);
    const list = await cli('list');
    assert.match(list.stdout, /\ncc55000000000000000000000000000e {2}llm {3}queued /);
  });

  it("an open task shows the chain's state, the stale local one beside it; `task resume` wires to the SDK", {
    timeout: 120_000,
  }, async () => {
    buildContracts();
    const anvil = await startAnvil({ accounts: 2 });
    try {
      const deployment = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: getDevnetPrivateKey(0) });
      const deploymentPath = join(dir, 'deployment.json');
      writeDeployment(deploymentPath, deployment);
      const keystore = join(dir, 'app-key.json');
      writeFileSync(
        keystore,
        JSON.stringify(encryptKeystore(getDevnetPrivateKey(1), 'pw', { scryptN: 1024 })),
      );
      const configured = [
        '--rpc-url',
        anvil.rpcUrl,
        '--relay-url',
        'http://127.0.0.1:9',
        '--deployment',
        deploymentPath,
      ];
      const status = await captureCli([
        'task',
        'status',
        'cc55',
        ...configured,
        '--keystore',
        keystore,
        '--store',
        storePath,
      ]);
      assert.equal(status.status, 0, status.stderr);
      // This chain never saw the task: its state wins, the record's is kept beside it.
      assert.match(
        status.stdout,
        /\n {2}original {4}0x(?:e5){32} {2}unknown to the chain \(local record: Queued\)\n/,
      );
      assert.doesNotMatch(status.stdout, /not read/);
      const json = JSON.parse(
        (
          await captureCli([
            'task',
            'status',
            'cc55',
            '--json',
            ...configured,
            '--keystore',
            keystore,
            '--store',
            storePath,
          ])
        ).stdout,
      ) as { tasks: { state: string; chainState: string }[]; chainRead: unknown };
      assert.deepEqual(
        [json.tasks[0]?.state, json.tasks[0]?.chainState, json.chainRead],
        ['Queued', 'None', true],
      );
      const failed = await captureCli(
        ['task', 'resume', 'aa11', ...configured, '--keystore', keystore, '--store', storePath],
        { VERINET_KEYSTORE_PASSWORD: 'pw' },
      );
      assert.equal(failed.status, 1);
      assert.match(
        failed.stderr,
        /^error: Task aa11000000000000000000000000000a failed earlier: The node refused the task\./,
      );
      // Trial s15: an account without funds is told so before anything is recorded or uploaded (the relay here is
      // dead: reaching it would be another error).
      const emptyKeystore = join(dir, 'empty-key.json');
      writeFileSync(
        emptyKeystore,
        JSON.stringify(encryptKeystore(generatePrivateKey(), 'pw', { scryptN: 1024 })),
      );
      const listed = async () =>
        (await captureCli(['task', 'list', '--json', ...configured, '--store', storePath])).stdout;
      const before = await listed();
      // `task run` of a small LLM task paying from `keystore` on this configured network.
      const runWith = (keystore: string) =>
        captureCli(
          [
            'task',
            'run',
            '--type',
            'llm',
            '--prompt',
            'hi',
            '--model',
            'verinet/tiny-gpt2',
            ...configured,
            '--keystore',
            keystore,
            '--store',
            storePath,
          ],
          { VERINET_KEYSTORE_PASSWORD: 'pw' },
        );
      const poor = await runWith(emptyKeystore);
      assert.equal(poor.status, 1, poor.stderr);
      // The progress line "starting … loading the SDK and the account key" comes first; the error is one line, last.
      const lines = poor.stderr.trim().split('\n');
      assert.match(
        lines.at(-1) ?? '',
        /^error: The account 0x[0-9a-fA-F]{40} has no funds on this chain: .*nothing was sent/,
      );
      assert.equal(lines.filter((line) => line.startsWith('error:')).length, 1, poor.stderr);
      assert.doesNotMatch(poor.stderr, /arguments up|at .*\.ts:\d+/, 'nothing uploaded, no stack trace');
      assert.equal(await listed(), before, 'no task recorded');
      // Trial s15: a file that is no v3 keystore is named with the field at fault, not two raw schema messages.
      const notKeystore = join(dir, 'not-a-keystore.json');
      writeFileSync(notKeystore, '{}');
      const bad = await runWith(notKeystore);
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(
        bad.stderr,
        /\nerror: --keystore: .*not-a-keystore\.json is not a v3 keystore: version: expected version 3 \(Web3 Secret Storage v3\); crypto: missing\. .*verinet keystore create/,
      );
      assert.doesNotMatch(bad.stderr, /Invalid input|expected object/);
    } finally {
      await anvil.stop();
    }
  });

  it('session 12: a finished task the chain went back under reads LOST; `task resume` refuses it, `task drop` removes it', {
    timeout: 120_000,
  }, async () => {
    buildContracts();
    const anvil = await startAnvil({ accounts: 2 });
    try {
      const deployment = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: getDevnetPrivateKey(0) });
      const lostDir = mkdtempSync(join(dir, 'rewound-'));
      const deploymentPath = join(lostDir, 'deployment.json');
      writeDeployment(deploymentPath, deployment);
      const keystore = join(lostDir, 'app-key.json');
      writeFileSync(
        keystore,
        JSON.stringify(encryptKeystore(getDevnetPrivateKey(1), 'pw', { scryptN: 1024 })),
      );
      const chain = {
        id: deployment.chainId,
        name: 'anvil',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [anvil.rpcUrl] } },
      } as const;
      const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
      const wallet = createWalletClient({
        chain,
        transport: http(anvil.rpcUrl),
        account: privateKeyToAccount(getDevnetPrivateKey(1)),
      });
      const taskManager = { address: deployment.contracts.taskManager, abi: taskManagerAbi } as const;
      const saved = (await publicClient.request({ method: 'evm_snapshot' as never })) as Hex;
      // A real task that ended on this chain: created (no node: it queues), then cancelled by its creator.
      const taskKey = keccak256(toHex('rewound task'));
      const createTx = await wallet.writeContract({
        ...taskManager,
        functionName: 'createTask',
        args: [getBareTaskParameters(taskKey)],
        value: await publicClient.readContract({ ...taskManager, functionName: 'minFee' }),
      });
      const created = await publicClient.waitForTransactionReceipt({ hash: createTx });
      const createdOnly = (await publicClient.request({ method: 'evm_snapshot' as never })) as Hex;
      await publicClient.waitForTransactionReceipt({
        hash: await wallet.writeContract({ ...taskManager, functionName: 'abortTask', args: [taskKey] }),
      });
      const lostStore = join(lostDir, 'tasks.db');
      const store = createSqliteStore({ path: lostStore });
      const id = 'ab99000000000000000000000000000f';
      const doneRecord = {
        ...base(id, taskKey, 'done'),
        members: [
          {
            role: 'original',
            taskKey,
            fee: '1',
            createTx,
            createdBlock: created.blockNumber.toString(),
            seedBlock: created.blockNumber.toString(),
            seed: created.blockHash,
            state: 'EndAborted',
            outcome: 'refunded',
          },
        ],
      } as unknown as TaskRecord;
      await store.putTask(doneRecord);
      await store.close();
      const task = (...args: string[]) =>
        captureCli(
          [
            'task',
            ...args,
            '--rpc-url',
            anvil.rpcUrl,
            '--relay-url',
            'http://127.0.0.1:9',
            '--deployment',
            deploymentPath,
            '--keystore',
            keystore,
            '--store',
            lostStore,
          ],
          { VERINET_KEYSTORE_PASSWORD: 'pw' },
        );
      // While the chain has it as recorded: nothing said, and it cannot be dropped.
      const kept = await task('status', id);
      assert.equal(kept.status, 0, kept.stderr);
      assert.match(kept.stdout, /\n {2}original {4}0x\w{64} {2}EndAborted {2}refunded\n/);
      assert.doesNotMatch(kept.stdout, /LOST/);
      assert.equal((await task('drop', id)).status, 1);

      // Trial s13: the chain went back under the task's end, not its creation: REOPENED. `task resume` puts the
      // record back to the chain's step (created, its node not drawn yet: wait for the report) and follows it from
      // there, instead of only trying to download a result the relay holds back until it is validated.
      await publicClient.request({ method: 'evm_revert' as never, params: [createdOnly] as never });
      const reopenedStatus = await task('status', id);
      assert.match(reopenedStatus.stdout, /\n {2}chain {7}REOPENED: /);
      assert.doesNotMatch(reopenedStatus.stdout, /results/);
      assert.match(
        reopenedStatus.stdout,
        /\n {2}original {4}0x\w{64} {2}Pending \(local record: EndAborted\) {2}refunded \(undone\)\n/,
      );
      const reopenedResume = await task('resume', id, '--timeout', '4');
      assert.equal(reopenedResume.status, 1);
      assert.match(
        reopenedResume.stderr,
        /reopened {9}the chain went back under the end of 0x\w{64} \(Pending\): the task goes on from there \(wait for the report, download\)/,
      );
      assert.match(reopenedResume.stderr, /error: No result after 4 s; the task goes on\./);
      assert.doesNotMatch(reopenedResume.stderr, /RESULT_NOT_RELEASED/);
      const reread = createSqliteStore({ path: lostStore });
      const reopenedRecord = await reread.getTask(id);
      assert.equal(reopenedRecord?.phase, 'running');
      // Followed from there: its node drawn meanwhile (settleDraws) moves it on to Queued.
      assert.match(reopenedRecord?.members[0]?.state ?? '', /^(Pending|Queued)$/);
      assert.equal(reopenedRecord?.members[0]?.outcome, undefined);

      // What a devnet's anvil reloaded from an older save does: the task is gone with both its transactions.
      await publicClient.request({ method: 'evm_revert' as never, params: [saved] as never });
      // A running task (the record resume left) whose creation the head is below: BEHIND, and resume not offered.
      const runningBehind = await task('status', id);
      assert.match(runningBehind.stdout, /\n {2}phase {7}(?:queued|running)/);
      assert.match(runningBehind.stdout, /\n {2}chain {7}BEHIND: /);
      assert.doesNotMatch(runningBehind.stdout, /task resume/);
      // The record as it was, for the cases below.
      await reread.putTask(doneRecord);
      await reread.close();
      // The chain's head is below the creation block: a chain that went back, or an RPC behind; not yet provable.
      const behind = await task('status', id);
      assert.equal(behind.status, 0, behind.stderr);
      assert.doesNotMatch(behind.stdout, /LOST/);
      assert.match(behind.stdout, /\n {2}chain {7}BEHIND: the chain's head is below the block that created/);
      assert.doesNotMatch(behind.stdout, /finish/);
      assert.equal((await task('drop', id)).status, 1);
      // Trial s13: resume refuses a BEHIND task at once, in one line, saying which block to wait for.
      const behindResume = await task('resume', id);
      assert.equal(behindResume.status, 1);
      assert.equal(
        behindResume.stderr
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('error'))
          .join('\n'),
        `error: Task ${id} is not resumed: the chain's head (block ${created.blockNumber - 1n}) is below block ${created.blockNumber}, which created ${taskKey}: the chain went back or the RPC lags; nothing is concluded. Try again once the chain passed block ${created.blockNumber} (\`verinet task status ${id}\` shows it).`,
      );
      assert.doesNotMatch(behindResume.stderr, /TASK_UNKNOWN|retry/);
      // Past the creation height, the block there is another one: provably gone.
      await publicClient.request({ method: 'anvil_mine' as never, params: ['0x4'] as never });
      const lost = await task('status', id);
      assert.equal(lost.status, 0, lost.stderr);
      assert.match(
        lost.stdout,
        /\n {2}original {4}0x\w{64} {2}unknown to the chain \(local record: EndAborted\) {2}refunded \(undone\)\n/,
      );
      assert.match(
        lost.stdout,
        new RegExp(`\\n {2}chain {7}LOST: the chain went back under its task \\(${taskKey}\\)`),
      );
      assert.match(lost.stdout, new RegExp(`\\n {2}way out {5}\`verinet task drop ${id}\` removes it`));
      const json = JSON.parse((await task('status', id, '--json')).stdout) as { lostOnChain: string[] };
      assert.deepEqual(json.lostOnChain, [taskKey]);

      const resumed = await task('resume', id);
      assert.equal(resumed.status, 1);
      assert.match(
        resumed.stderr,
        new RegExp(`^error: Task ${id} is no longer on the chain: it went back under ${taskKey}`),
      );
      assert.match(resumed.stderr, new RegExp(`\`verinet task drop ${id}\` removes it`));

      const dropped = await task('drop', id);
      assert.equal(dropped.status, 0, dropped.stderr);
      assert.equal(
        dropped.stdout,
        `task ${id} dropped (the chain no longer has it; nothing of it is paid there)\n`,
      );
      const afterDrop = await task('status', id);
      assert.match(afterDrop.stdout, /\n {2}phase {7}failed: lost: the chain went back under it/);
      assert.doesNotMatch(afterDrop.stdout, /removes it/);
      assert.match(afterDrop.stdout, /\n {2}way out {5}dropped already; /);
      assert.match(afterDrop.stdout, / {2}refunded \(undone\)\n/);
      const droppedAgain = await task('drop', id);
      assert.equal(droppedAgain.status, 0, droppedAgain.stderr);
      assert.equal(droppedAgain.stdout, `task ${id} already dropped\n`);
    } finally {
      await anvil.stop();
    }
  });

  it('`task list` says when --limit cut the list', async () => {
    const cut = await cli('list', '--limit', '2');
    assert.equal(cut.status, 0, cut.stderr);
    assert.equal(cut.stdout.trim().split('\n').length, 3);
    assert.match(cut.stderr, /^2 of 5 shown, newest first \(--limit N to see more\)$/m);
    const whole = await cli('list');
    assert.doesNotMatch(whole.stderr, /shown/);
  });

  it('an ambiguous prefix is one line listing the matches; an unknown id says what to do', async () => {
    const ambiguous = await cli('status', 'aa');
    assert.equal(ambiguous.status, 1);
    assert.match(
      ambiguous.stderr,
      /^error: "aa" matches 2 tasks: aa(?:11|22)0{27}[ab], aa(?:11|22)0{27}[ab]; give more of the id\.\n$/,
    );
    const missing = await cli('drop', 'nope');
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      /^error: No task nope in .*tasks\.db\. `verinet task list` shows the ids and task keys/,
    );
  });

  it('a --devnet folder that is missing, or holds no devnet, is a one-line error with exit 1', async () => {
    const empty = mkdtempSync(join(dir, 'not-a-devnet-'));
    for (const folder of [empty, join(dir, 'absent')])
      for (const args of [['list'], ['status', 'cc55']]) {
        const run = await captureCli(['task', ...args, '--devnet', folder]);
        assert.equal(run.status, 1, run.stdout);
        assert.match(run.stderr, /^error: (No devnet folder at|.* is not a devnet folder).*\n$/);
      }
  });

  it('`task drop` takes an id prefix', async () => {
    const run = await cli('drop', 'aa22');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      'task aa22000000000000000000000000000b dropped (it was never sent; nothing was paid)\n',
    );
  });

  it('a finished image task shows where its images are (text and --json), or how to write them again', async () => {
    const store = createSqliteStore({ path: storePath });
    const sd = (id: string) => ({ ...base(id, `0x${id.slice(0, 2).repeat(32)}`, 'done'), taskType: 'sd' });
    await store.putTask(sd('dd66000000000000000000000000000f') as TaskRecord);
    await store.putTask(sd('ee77000000000000000000000000000f') as TaskRecord);
    await store.close();
    // What `task run` records once it wrote the images; the second one was deleted since.
    const kept = join(dir, 'dd66-0.png');
    writeFileSync(kept, 'png');
    recordTaskResults(storePath, 'dd66000000000000000000000000000f', [kept, join(dir, 'dd66-1.png')]);

    const run = await cli('status', 'dd66');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      run.stdout.endsWith(
        `\n  results     ${kept}\n              ${join(dir, 'dd66-1.png')} (no longer there)\n`,
      ),
      run.stdout,
    );
    const json = JSON.parse((await cli('status', 'dd66', '--json')).stdout) as { results: unknown };
    assert.deepEqual(json.results, [kept, join(dir, 'dd66-1.png')]);

    const unknown = await cli('status', 'ee77');
    assert.match(
      unknown.stdout,
      /\n {2}results {5}not recorded here; `verinet task resume ee77000000000000000000000000000f --out DIR` writes the images again\n$/,
    );
    assert.equal(
      (JSON.parse((await cli('status', 'ee77', '--json')).stdout) as { results: unknown }).results,
      null,
    );
    const llm = await cli('status', 'bb44');
    assert.match(
      llm.stdout,
      /\n {2}results {5}the text `task run` printed; `verinet task resume bb44\w+` prints it again\n$/,
    );
  });
});

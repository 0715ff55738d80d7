import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getTaskModelIds, parseModelId, parseTaskArgsBytes, type TaskType } from '@verinet/protocol/args';
import { verifyArgsCommitment } from '@verinet/protocol/commitment';
import { recoverAddressNative } from '@verinet/protocol/nativeSecp256k1';
import { getResultHash } from '@verinet/protocol/relay';
import { resolveModel, WorkerCrashedError, WorkerTaskError, WorkerTimeoutError } from '@verinet/worker';
import { type Address, type Hex, hexToBytes, zeroAddress } from 'viem';
import { describeContractError } from '../chain/describeContractError.js';
import { describeRpcError } from '../chain/describeRpcError.js';
import {
  abortTaskRequest,
  type ChainTask,
  finalizeTaskRequest,
  readArgsCommitment,
  readChainTime,
  readStartStands,
  readTask,
  readTimeout,
  recordSamplingSeedRequest,
  reportTaskErrorRequest,
  submitScoreRequest,
} from '../chain/taskManager.js';
import { RelayError } from '../errors/index.js';
import type { ResultStatement } from '../relay/types.js';
import { getLatestTx } from '../store/index.js';
import { getBackoffMs, type TaskAction, type TaskInput } from '../task/reduceTask.js';
import type { TaskOutcome, TaskRecord } from '../task/types.js';
import { TransactionRevertedError } from '../tx/index.js';
import type { NodeContext } from './context.js';
import { crashPoint } from './crashPoint.js';
import { getResultStatementDigest } from './getResultStatementDigest.js';

const taskTypes: Record<number, TaskType> = { 0: 'sd', 1: 'llm', 2: 'sd_ft' };

const endOutcomes: Partial<Record<ChainTask['state'], TaskOutcome>> = {
  EndSuccess: 'success',
  EndGroupSuccess: 'group_success',
  EndGroupRefund: 'group_refund',
  EndInvalidated: 'invalidated',
  EndAborted: 'aborted',
};

const retry = (task: TaskRecord, message: string, atLeastMs = 0): TaskInput => ({
  type: 'failedRetryable',
  message,
  backoffMs: Math.max(atLeastMs, getBackoffMs(task.attempts)),
});

/** A failed relay call as a retry, waiting at least as long as the relay asked (Retry-After). */
const relayRetry = (task: TaskRecord, error: unknown): TaskInput =>
  error instanceof RelayError
    ? retry(task, `relay: ${error.shortMessage}`, error.retryAfterMs)
    : retry(task, `relay: ${describeRpcError(error)}`);

/**
 * What the chain says about a task, as an input when it settles the matter (ended, not ours, already
 * reported), or undefined when the node should go on with its own step.
 */
async function chainVerdict(
  ctx: NodeContext,
  task: TaskRecord,
  chain: ChainTask,
): Promise<TaskInput | undefined> {
  const outcome = endOutcomes[chain.state];
  if (outcome) return { type: 'ended', outcome, fee: null };
  // A reorg replaced the block that drew it: the next settlement draws it again from the same creation block's
  // hash, usually onto this node (a draw onto another node, or DrawExpired, is seen then).
  if (chain.state === 'Pending')
    return retry(task, `the chain shows task ${task.taskKey} Pending again (reorganized)`);
  // Gone (the chain went back under its creation: a devnet's anvil reloaded from an older save, a deep reorg), or
  // queued again by a new draw: lost unless a later draw brings it back (applyChainLogs restarts it). Nothing of
  // it is this node's any more: no step of it can succeed, and none is owed (no penalty can follow). Only when
  // provable (readStartStands: the block now at the draw's height, read by its hash twice, lacks the draw); None or
  // Queued from an RPC replica behind the draw's block (a load-balanced RPC), or a failed read, is retried.
  if (chain.state === 'None' || chain.state === 'Queued') {
    const start = await readStartStands(ctx.client, ctx.contracts, task.taskKey, task.startedBlock);
    if (start !== 'gone') {
      return retry(
        task,
        `the chain shows task ${task.taskKey} ${chain.state}, but ${start === 'unknown' ? `block ${task.startedBlock} that gave it to this node is not readable (an RPC behind, or a chain that went back: waiting)` : `block ${task.startedBlock} still gives it to this node (an RPC replica behind?)`}`,
      );
    }
  }
  if (chain.state === 'None') {
    return {
      type: 'lost',
      message: `the chain no longer has task ${task.taskKey} (it went back under it: a chain reloaded from an older save, or a reorg); given up, nothing of it is owed to or by this node`,
    };
  }
  if (chain.state === 'Queued') {
    return {
      type: 'lost',
      message: `the chain shows task ${task.taskKey} as Queued (reorganized away?)`,
    };
  }
  if (chain.node.toLowerCase() !== ctx.node.toLowerCase()) {
    return { type: 'lost', message: `the chain gives task ${task.taskKey} to ${chain.node}, not this node` };
  }
  if (chain.state === 'ScoreReady' || chain.state === 'ErrorReported') return { type: 'reported' };
  return undefined;
}

async function fetchArgs(ctx: NodeContext, task: TaskRecord): Promise<TaskInput> {
  // The chain reads and the relay download are independent: one round trip's time, not five. Nothing is
  // acted on before the chain's verdict, and the bytes are only kept once checked against the commitment.
  const relayDownload = ctx.relay.fetchTaskArgs(task.taskKey).then(
    (download) => ({ download }),
    (error: unknown) => ({ error }),
  );
  const [chain, timeout, chainTime, created] = await Promise.all([
    readTask(ctx.client, ctx.contracts, task.taskKey),
    ctx.reads.timeout(task.taskType),
    ctx.reads.chainTime(),
    task.argsCommitment
      ? undefined
      : readArgsCommitment(ctx.client, ctx.contracts, task.taskKey, {
          nearBlock: task.startedBlock,
          fromBlock: ctx.startBlock,
        }),
  ]);
  const verdict = await chainVerdict(ctx, task, chain);
  if (verdict) return verdict;
  const deadlineAt = Number(chain.stateTime + timeout);
  // The chain's clock decides timeouts, not ours.
  if (chainTime > deadlineAt - ctx.deadlineMarginSec) {
    return {
      type: 'abandon',
      message: 'the task reached its deadline before its arguments could be fetched',
    };
  }
  let argsCommitment = task.argsCommitment ?? created?.argsCommitment;
  if (!argsCommitment) return retry(task, 'the TaskCreated event of this task is not readable yet');
  if (task.score && task.resultFiles && task.outputDir && task.argsPath && task.salt) {
    // A result of this task's earlier life on this node (applyChainLogs keeps it when a reorganization undid the
    // report and the draw names this node again): reported again, not run again, if the arguments it was computed
    // from open the chain's commitment now (a creation the reorganization replaced may carry other arguments).
    const kept = await readFile(task.argsPath).catch(() => undefined);
    if (kept && verifyArgsCommitment({ bytes: kept, salt: task.salt, argsCommitment }))
      return { type: 'resultKept', argsCommitment, deadlineAt };
  }
  const fetched = await relayDownload;
  if ('error' in fetched) {
    // Even a refusal the relay calls final is retried until the deadline: it may come from its lagging view
    // of the chain or this machine's clock (AUTH_STALE), which the operator can fix in time.
    return relayRetry(task, fetched.error);
  }
  const download: { bytes: Uint8Array; salt: Hex } = fetched.download;
  let matches = verifyArgsCommitment({ bytes: download.bytes, salt: download.salt, argsCommitment });
  if (!matches && task.argsCommitment) {
    // The commitment came with the task from the watcher's events; a reorg may have replaced that creation:
    // ask the chain once more before blaming the relay.
    const fresh = await readArgsCommitment(ctx.client, ctx.contracts, task.taskKey, {
      nearBlock: task.startedBlock,
      fromBlock: ctx.startBlock,
    });
    if (fresh && fresh.argsCommitment.toLowerCase() !== argsCommitment.toLowerCase()) {
      argsCommitment = fresh.argsCommitment;
      matches = verifyArgsCommitment({ bytes: download.bytes, salt: download.salt, argsCommitment });
    }
  }
  if (!matches) {
    // Not the app's fault provably, nor ours: never execute them; try again, then let the task time out.
    return retry(task, 'the relay served arguments that do not match the on-chain commitment');
  }
  const dir = join(ctx.dataDir, 'tasks', task.taskKey);
  await mkdir(dir, { recursive: true });
  const argsPath = join(dir, 'args.json');
  await writeFile(`${argsPath}.tmp`, download.bytes);
  await rename(`${argsPath}.tmp`, argsPath);
  return { type: 'argsFetched', argsPath, salt: download.salt, argsCommitment, deadlineAt };
}

async function ensureModels(ctx: NodeContext, task: TaskRecord): Promise<TaskInput> {
  const bytes = await readFile(task.argsPath!);
  const taskType = taskTypes[task.taskType];
  if (!taskType) return { type: 'abandon', message: `unknown task type ${task.taskType}` };
  let modelIds: string[];
  try {
    modelIds = getTaskModelIds(taskType, parseTaskArgsBytes(taskType, bytes));
  } catch {
    // Invalid arguments: the worker gives the verdict (it is the one reported on chain), not the node.
    return { type: 'modelsReady' };
  }
  for (const modelId of modelIds) {
    const { id } = parseModelId(modelId);
    const missing = await resolveModel({ modelsDir: ctx.modelsDir, modelId: id }).then(
      () => undefined,
      (error: Error) => error.message.split('\n')[0],
    );
    if (missing === undefined) continue;
    if (!ctx.models) {
      // Never reported on chain: another node may hold it. The task times out instead.
      return {
        type: 'abandon',
        message: `model ${id} is not usable in ${ctx.modelsDir}: ${missing} (fetch it with \`verinet model fetch ${id}\`, or set modelSource)`,
      };
    }
    ctx.notice('info', `Fetching model ${id} from ${ctx.models.source}.`, task.taskKey);
    try {
      const { bytes } = await ctx.models.ensure(id);
      ctx.notice('info', `Model ${id} fetched and verified (${(bytes / 1e6).toFixed(1)} MB).`, task.taskKey);
    } catch (error) {
      // A failed download is retried (resuming) until the deadline: never a reason to report anything.
      const message = `model ${id}: fetch from ${ctx.models.source} failed: ${(error as Error).message.split('\n')[0]}`;
      if ((task.deadlineAt ?? 0) - ctx.deadlineMarginSec <= (await readChainTime(ctx.client))) {
        return { type: 'abandon', message: `${message}; no time left before the deadline` };
      }
      return retry(task, message);
    }
  }
  return { type: 'modelsReady' };
}

async function execute(ctx: NodeContext, task: TaskRecord): Promise<TaskInput> {
  const taskType = taskTypes[task.taskType]!;
  const outputDir = join(ctx.dataDir, 'tasks', task.taskKey, 'out');
  // A run cut short by a crash may have left files: the worker wants an empty folder.
  const chainTimeRead = ctx.reads.chainTime();
  chainTimeRead.catch(() => {});
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  const chainNow = await chainTimeRead;
  const timeoutMs = ((task.deadlineAt ?? 0) - ctx.deadlineMarginSec - chainNow) * 1000;
  if (timeoutMs <= 0) return { type: 'abandon', message: 'no time left before the on-chain deadline' };
  const args = JSON.parse(Buffer.from(await readFile(task.argsPath!)).toString('utf8')) as unknown;
  ctx.notice('info', `Running the worker (${taskType}).`, task.taskKey);
  // A block hash is readable for 256 blocks only, and a report without a known seed is refused: while a long
  // task runs, record the seed on chain before it ages out (PROTOCOL.md, "The seed is kept").
  const seedWatch = setInterval(
    () => void keepSeed(ctx, task).catch(() => {}),
    ctx.seedCheckIntervalMs ?? 30_000,
  );
  // Crash tests: die while the worker is busy with this task: at its first progress report, after 20 ms, or at
  // its answer before anything of it is stored, whichever comes first (a warm worker may answer a tiny task
  // within milliseconds and without progress: progress reports are throttled).
  const crashTimer = setTimeout(() => crashPoint('worker_running', [task.taskKey]), 20);
  // A hung worker (deadlocked driver, stopped process) answers nothing, not even the task timeout's cancel in
  // time: silence longer than workerStallMs kills it, and the supervisor starts a fresh one for the next task.
  const stallMs = ctx.workerStallMs ?? 300_000;
  let heardAt = Date.now();
  let stalled = false;
  const stallWatch = setInterval(
    () => {
      if (stalled || Date.now() - heardAt < stallMs) return;
      stalled = true;
      ctx.notice(
        'warn',
        `The worker sent nothing for ${Math.round(stallMs / 1000)} s: killing it (a fresh one runs the next task).`,
        task.taskKey,
      );
      ctx.worker.cancel(task.taskKey);
    },
    Math.min(1_000, stallMs),
  );
  try {
    const result = await ctx.worker.run({
      taskType,
      args,
      outputDir,
      requestId: task.taskKey,
      timeoutMs,
      onProgress: () => {
        heardAt = Date.now();
        crashPoint('worker_running', [task.taskKey]);
      },
    });
    crashPoint('worker_running', [task.taskKey]);
    const files = result.files.map((f) => ({
      name: f.name,
      mediaType: f.mediaType,
      size: f.size,
      sha256: f.sha256,
    }));
    return { type: 'executed', outputDir, score: `0x${result.score}`, resultFiles: JSON.stringify(files) };
  } catch (error) {
    if (stalled) {
      return {
        type: 'workerFailed',
        kind: 'hung',
        message: `the worker stopped answering for ${Math.round(stallMs / 1000)} s and was killed`,
      };
    }
    if (error instanceof WorkerTaskError && error.kind !== 'invalid_args' && isDiskFull(error)) {
      // The machine's problem, and one the operator can fix before the deadline: try again, say why.
      return retry(
        task,
        `disk full: the worker could not write the result in ${outputDir} (${error.message.split('\n')[0]}); free some space`,
      );
    }
    if (error instanceof WorkerTaskError)
      return { type: 'workerFailed', kind: error.kind, message: error.message };
    if (error instanceof WorkerCrashedError)
      return { type: 'workerFailed', kind: `crashed:${error.reason}`, message: error.message };
    if (error instanceof WorkerTimeoutError)
      return { type: 'workerFailed', kind: 'timeout', message: error.message };
    return { type: 'workerFailed', kind: 'execution_failed', message: (error as Error).message };
  } finally {
    clearTimeout(crashTimer);
    clearInterval(seedWatch);
    clearInterval(stallWatch);
  }
}

/** Records the task's sampling seed once its block is 200 blocks old (before the 256-block horizon). */
export async function keepSeed(ctx: NodeContext, task: TaskRecord): Promise<boolean> {
  const chain = await readTask(ctx.client, ctx.contracts, task.taskKey);
  if (chain.state !== 'Started') return false;
  const head = await ctx.client.getBlockNumber();
  if (head < chain.seedBlock + 200n || head > chain.seedBlock + 255n) return false;
  // samplingSeed() also answers with the still-readable block hash, so our own record is what says "done".
  if (getLatestTx(ctx.store, 'recordSamplingSeed', task.taskKey)?.status === 'mined') return false;
  await ctx.sender.sendAndWait({
    purpose: 'recordSamplingSeed',
    taskKey: task.taskKey,
    request: recordSamplingSeedRequest(ctx.contracts, task.taskKey),
  });
  ctx.notice(
    'info',
    'Recorded the sampling seed on chain (the task runs longer than ~200 blocks).',
    task.taskKey,
  );
  return true;
}

async function uploadResult(ctx: NodeContext, task: TaskRecord): Promise<TaskInput> {
  const files = (
    JSON.parse(task.resultFiles ?? '[]') as {
      name: string;
      mediaType: string;
      size: number;
      sha256: string;
    }[]
  ).map((f) => ({ ...f, path: join(task.outputDir!, f.name) }));
  let statement: ResultStatement;
  // Read while the files travel: submitScore needs the relay's statement only while the chain has a signer.
  const relaySignerRead = ctx.reads.relaySigner();
  relaySignerRead.catch(() => {});
  try {
    statement = await ctx.relay.uploadResult({ taskKey: task.taskKey, score: task.score!, files });
  } catch (error) {
    // The relay's refusal may be the chain's (TASK_UNKNOWN: the chain went back under the task): the chain says
    // whether the task is still this node's to report, else the upload would be retried until its deadline.
    // A failed read of it is no verdict: the relay's error is handled as before (retried unless refused for good).
    const verdict = await readTask(ctx.client, ctx.contracts, task.taskKey)
      .then((chain) => chainVerdict(ctx, task, chain))
      .catch(() => undefined);
    if (verdict) return verdict;
    if (error instanceof RelayError && !error.retryable && error.code !== undefined) {
      // The relay checked the files and will never take them (SCORE_MISMATCH, RESULT_IMAGE_INVALID…): a score
      // the relay cannot serve is never submitted; the task times out (QoS only) and the operator is told.
      return { type: 'abandon', message: `the relay refused the result for good: ${error.shortMessage}` };
    }
    if ((task.deadlineAt ?? 0) < (await readChainTime(ctx.client).catch(() => Date.now() / 1000))) {
      return { type: 'abandon', message: 'the relay did not take the result before the deadline' };
    }
    return relayRetry(task, error);
  }
  // submitScore carries the statement while the chain has a relay signer: check it here, where a bad one can
  // still be asked for again, rather than learn it from a reverted transaction.
  const relaySigner = await relaySignerRead;
  if (relaySigner === zeroAddress) return { type: 'resultUploaded', signature: '0x' };
  const signer = await recoverResultStatement(ctx, task, statement.signature).catch(() => undefined);
  if (signer?.toLowerCase() !== relaySigner.toLowerCase()) {
    ctx.reads.forget(); // the signer may have changed since it was read
    return retry(
      task,
      `the relay's ResultAvailable statement is signed by ${signer ?? 'an unreadable signature'}, but the chain's relay signer is ${relaySigner} (is relayUrl the relay this TaskManager trusts?)`,
    );
  }
  return { type: 'resultUploaded', signature: statement.signature };
}

/** The statement's signer, recovered by libsecp256k1 (pure JavaScript took milliseconds of every task's path). */
async function recoverResultStatement(ctx: NodeContext, task: TaskRecord, signature: Hex): Promise<Address> {
  const hash = getResultStatementDigest({
    chainId: ctx.client.chain?.id ?? (await ctx.client.getChainId()),
    taskManager: ctx.contracts.taskManager,
    taskKey: task.taskKey,
    resultHash: getResultHash(hexToBytes(task.score!)),
  });
  return recoverAddressNative(hash, signature);
}

async function report(
  ctx: NodeContext,
  task: TaskRecord,
  kind: 'submitScore' | 'reportError',
): Promise<TaskInput> {
  const request =
    kind === 'submitScore'
      ? submitScoreRequest(ctx.contracts, task.taskKey, task.score!, task.resultSignature ?? '0x')
      : reportTaskErrorRequest(ctx.contracts, task.taskKey);
  try {
    const tx = await ctx.sender.send({ purpose: kind, taskKey: task.taskKey, request });
    const outcome = await ctx.sender.wait(tx, { timeoutMs: 60_000 });
    // Just mined: the chain shows it reported and its validation window open. The app's validation (or its
    // end) comes as an event; the first look at the chain waits a follow interval (at most the window).
    if (outcome.status === 'mined') return { type: 'reported', followAfterMs: await firstFollowMs(ctx) };
  } catch (error) {
    // Whatever happened, the chain says where the task stands (our report may have landed meanwhile).
    const chain = await readTask(ctx.client, ctx.contracts, task.taskKey);
    const verdict = await chainVerdict(ctx, task, chain);
    if (verdict) return verdict;
    const message =
      error instanceof TransactionRevertedError
        ? describeContractError(error.cause)
        : describeRpcError(error);
    if (/\bNodeRegistryNotRegistered\b/.test(message)) {
      // Slashed (Quit) while running the task: the registry refuses its report for good (review M3).
      return { type: 'abandon', message: `${kind}: ${message}: this node is no longer registered` };
    }
    if (kind === 'submitScore' && /^InvalidRelaySignature\b/.test(message)) {
      ctx.reads.forget();
      return { type: 'statementRejected', message: `submitScore: ${message}: asking the relay again` };
    }
    return retry(task, `${kind}: ${message}`);
  }
  const chain = await readTask(ctx.client, ctx.contracts, task.taskKey);
  return (await chainVerdict(ctx, task, chain)) ?? retry(task, `${kind} reverted`);
}

/** How long after its own report a node first looks at the task: a follow interval, at most the validation window. */
async function firstFollowMs(ctx: NodeContext): Promise<number> {
  const window = await ctx.reads.validationWindow().catch(() => 0n);
  return Math.min(ctx.followIntervalMs, Number(window) * 1000);
}

/** Follows of a task whose report the chain no longer shows before it is given up (see `follow`). */
const maxReportRestores = 3;
const reportUndoneMessage = "the chain went back under this node's report of task";

async function follow(ctx: NodeContext, task: TaskRecord): Promise<TaskInput> {
  const chain = await readTask(ctx.client, ctx.contracts, task.taskKey);
  const outcome = endOutcomes[chain.state];
  if (outcome) return { type: 'ended', outcome, fee: null };
  if (chain.state !== 'ScoreReady' && chain.state !== 'ErrorReported') {
    // The chain went back under the node's report (it was mined: the step says so). Gone, queued or someone
    // else's: lost (chainVerdict), finalizeTask would only revert (InvalidState) on every try and every start.
    const verdict = await chainVerdict(ctx, task, chain);
    if (verdict) return verdict;
    // Still Started on this node: the report itself was undone (or an RPC replica is behind its block). The
    // sender puts the node's rewound transactions back (the same signed bytes, createTxSender's restoreRewound);
    // a few follows wait for it to land again. They are counted on their own (`attempts` also counts the follows
    // that waited for the app's validation): the first such follow starts the count at 1. Then, before the
    // task's deadline, the node goes back and reports again (a report that lands twice only reverts); past it,
    // the node ends the task itself (abortTimedOut). The task is never given up while the chain gives it to
    // this node.
    const restores = task.lastError?.startsWith(reportUndoneMessage) ? task.attempts : 0;
    if (restores >= maxReportRestores) {
      const [timeout, chainTime] = await Promise.all([
        ctx.reads.timeout(task.taskType),
        ctx.reads.chainTime(),
      ]);
      const beforeDeadline = chainTime < Number(chain.stateTime + timeout) - ctx.deadlineMarginSec;
      return {
        type: 'reportUndone',
        again: beforeDeadline,
        message: `the chain went back under this node's report of task ${task.taskKey} and it did not land again (the task is Started there): ${beforeDeadline ? 'reporting again' : 'past its deadline, ending it'}`,
      };
    }
    await ctx.sender.recover();
    return {
      type: 'failedRetryable',
      message: `${reportUndoneMessage} ${task.taskKey}: putting it back`,
      backoffMs: getBackoffMs(restores),
      attempts: restores + 1,
    };
  }
  // Followed right after every report (the window has just opened) and again until the task ends: the setting and
  // the chain's clock come from the cached reads, not two more round trips per task.
  const [window, chainTime] = await Promise.all([ctx.reads.validationWindow(), ctx.reads.chainTime()]);
  const finalizeAt = Number(chain.stateTime + window);
  if (chainTime >= finalizeAt) {
    // The app neither validated nor aborted in its window: anyone may finalize, and the node wants its pay.
    try {
      await ctx.sender.sendAndWait({
        purpose: 'finalizeTask',
        taskKey: task.taskKey,
        request: finalizeTaskRequest(ctx.contracts, task.taskKey),
      });
    } catch (error) {
      // The chain may have moved under it meanwhile (ended by another, or gone back under it).
      const after = await chainVerdict(ctx, task, await readTask(ctx.client, ctx.contracts, task.taskKey));
      if (after && after.type !== 'reported') return after;
      return retry(task, `finalizeTask: ${describeContractError(error)}`);
    }
    return follow(ctx, task);
  }
  const waitMs = Math.min(ctx.followIntervalMs, Math.max(1000, (finalizeAt - chainTime) * 1000));
  return { type: 'failedRetryable', message: 'waiting for the app to validate', backoffMs: waitMs };
}

async function abortTimedOut(ctx: NodeContext, task: TaskRecord): Promise<TaskInput> {
  const chain = await readTask(ctx.client, ctx.contracts, task.taskKey);
  const verdict = await chainVerdict(ctx, task, chain);
  if (verdict && verdict.type !== 'reported') return verdict;
  if (chain.state !== 'Started') {
    return {
      type: 'failedRetryable',
      message: 'waiting for the task to end',
      backoffMs: ctx.followIntervalMs,
    };
  }
  const deadline = Number(chain.stateTime + (await readTimeout(ctx.client, ctx.contracts, chain.taskType)));
  const chainTime = await readChainTime(ctx.client);
  if (chainTime < deadline) {
    // Nobody can end it before its timeout; then the node ends it itself, which frees it for new tasks.
    // Re-check at least every followIntervalMs: the chain's clock, not ours, decides.
    const waitMs = Math.min(ctx.followIntervalMs, Math.max(1000, (deadline - chainTime) * 1000));
    return {
      type: 'failedRetryable',
      message: `waiting for the timeout: ${task.lastError ?? 'abandoned'}`,
      backoffMs: waitMs,
    };
  }
  try {
    await ctx.sender.sendAndWait({
      purpose: 'abortTask',
      taskKey: task.taskKey,
      request: abortTaskRequest(ctx.contracts, task.taskKey),
    });
  } catch (error) {
    const after = await chainVerdict(ctx, task, await readTask(ctx.client, ctx.contracts, task.taskKey));
    if (after) return after;
    return retry(task, `abortTask: ${describeContractError(error)}`);
  }
  return { type: 'ended', outcome: 'aborted', fee: null };
}

/** A write failed because the disk (or the node's quota) is full. */
function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  return error instanceof Error && /\bENOSPC\b|no space left on device|\bEDQUOT\b/i.test(error.message);
}

/** Runs the action of a task's step and returns what happened, as an input for `reduceTask`. */
export async function runTaskAction(
  ctx: NodeContext,
  task: TaskRecord,
  action: TaskAction,
): Promise<TaskInput> {
  try {
    switch (action) {
      case 'fetchArgs':
        return await fetchArgs(ctx, task);
      case 'ensureModels':
        return await ensureModels(ctx, task);
      case 'execute':
        return await execute(ctx, task);
      case 'uploadResult':
        return await uploadResult(ctx, task);
      case 'submitScore':
        return await report(ctx, task, 'submitScore');
      case 'reportError':
        return await report(ctx, task, 'reportError');
      case 'follow':
        return await follow(ctx, task);
      case 'abortTimedOut':
        return await abortTimedOut(ctx, task);
    }
  } catch (error) {
    // Chain RPC down, disk full…: nothing is lost, the step is tried again.
    if (isDiskFull(error)) {
      return retry(
        task,
        `${action}: disk full (${(error as Error).message.split('\n')[0]}); free some space`,
      );
    }
    return retry(task, `${action}: ${describeRpcError(error)}`);
  }
}

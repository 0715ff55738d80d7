import { isEnded } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import {
  ContractRevertedError,
  GroupNoAgreementError,
  TaskErrorReportedError,
  TaskQueuedError,
  TaskTimeoutError,
  VerinetError,
} from '../errors/index.js';
import type { RunOptions, TaskRecord, VerifiedResult } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { createGroupMembers } from './createGroupMembers.js';
import { createTask } from './createTask.js';
import { downloadResult } from './downloadResult.js';
import { type PrepareTaskParameters, prepareTask } from './prepareTask.js';
import { resubmitTask } from './resubmitTask.js';
import { sampleTask } from './sampleTask.js';
import { uploadArgs } from './uploadArgs.js';
import { validateTask } from './validateTask.js';
import { waitForReport } from './waitForReport.js';

/** Errors after which the task is over (nothing more to pay or wait for); anything else leaves it resumable. */
const finalErrors = [
  TaskErrorReportedError,
  GroupNoAgreementError,
  TaskTimeoutError,
  TaskQueuedError,
  ContractRevertedError,
];

/**
 * The whole application side of one task, from the persisted record's phase on: upload the arguments, create
 * the task, sample it with the app's VRF key (creating the hidden validation group when selected), wait for the
 * reports, validate (alone or as a group), download and verify the result. A node that does not report in time
 * is aborted and the task resubmitted (`onTimeout`, `maxResubmits`). Every step is saved before it is acted
 * on: calling runTask again with the same `id` after a crash continues where it stopped, paying nothing twice.
 *
 * @example
 * const result = await client.runTask({ type: 'llm', args: { model: 'verinet/tiny-gpt2', messages } });
 */
export async function runTask(
  context: SdkContext,
  parameters: PrepareTaskParameters | undefined,
  options: RunOptions = {},
): Promise<VerifiedResult> {
  const { signal } = options;
  let record = options.id ? await context.store.getTask(options.id) : undefined;
  const listen = options.onProgress;
  const subscribe = (id: string) => {
    if (!listen) return;
    const set = context.taskListeners.get(id) ?? new Set();
    set.add(listen);
    context.taskListeners.set(id, set);
  };
  if (options.id) subscribe(options.id);
  try {
    if (!record) {
      if (!parameters)
        throw new VerinetError(`No task ${options.id} to resume, and no arguments to start one.`);
      const id = options.id ?? crypto.randomUUID().replaceAll('-', '');
      subscribe(id);
      record = await prepareTask(context, {
        ...parameters,
        id,
        fee: options.fee ?? parameters.fee,
        requirements: { ...parameters.requirements, ...options.requirements },
      });
    }
    return await drive(context, record.id, signal);
  } catch (error) {
    const failed = record ? await context.store.getTask(record.id) : undefined;
    // A revert before anything landed (fee too low, no bucket) ends the task; after, the task stays resumable.
    const paid = failed?.members.some((m) => m.state !== undefined && m.state !== 'None') ?? false;
    const final =
      finalErrors.some((type) => error instanceof type) && !(error instanceof ContractRevertedError && paid);
    if (failed && final) {
      failed.phase = 'failed';
      failed.error = { name: (error as Error).name, message: (error as Error).message };
      await saveRecord(context, failed);
      context.emit({ type: 'failed', id: failed.id, error: error as VerinetError });
    }
    throw error;
  } finally {
    if (listen) for (const set of context.taskListeners.values()) set.delete(listen);
  }
}

async function drive(
  context: SdkContext,
  id: string,
  signal: AbortSignal | undefined,
): Promise<VerifiedResult> {
  for (;;) {
    const record = await loadRecord(context, id);
    switch (record.phase) {
      case 'prepared':
      case 'creating':
        await uploadArgs(context, id, { signal });
        await createTask(context, id, { signal });
        break;
      case 'running':
        await runAttempt(context, record, signal);
        break;
      case 'validating':
        // Back to 'running' when group members were replaced (DuplicateGroupNode): the loop creates them.
        if ((await validateTask(context, id, { signal })).phase !== 'running')
          await settleWithoutResult(context, id);
        break;
      case 'downloading':
      case 'done':
        return downloadResult(context, id, { signal });
      case 'failed':
        throw new VerinetError(`Task ${id} failed earlier: ${record.error?.message ?? 'unknown error'}`, {
          details: [
            'Start a new task; its fees that were not paid to nodes are owed back (client.withdraw()).',
          ],
        });
    }
  }
}

async function runAttempt(
  context: SdkContext,
  record: TaskRecord,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { id } = record;
  if (record.members.some((m) => m.state === undefined || m.state === 'None')) {
    // A crash between saving new members and creating them.
    await createTask(context, id, { signal });
  }
  // One watch of the members' events across the two waits: a log that comes while the app samples wakes the second.
  let watch =
    record.sampled === undefined ? context.events?.watch(record.members.map((m) => m.taskKey)) : undefined;
  try {
    if (record.sampled === undefined) {
      const { record: seeded } = await waitForReport(context, id, { signal, until: 'seed', watch });
      const original = seeded.members[0];
      // Not sampled and read Started just now: the second wait sleeps on the same watch until the next log.
      let statesRead = false;
      if (original?.seed) {
        const { selected } = await sampleTask(context, id, { signal });
        if (selected) await createGroupMembers(context, id, { signal });
        else statesRead = seeded.members.length === 1 && original.state === 'Started';
      }
      if (!statesRead) {
        watch?.stop();
        watch = undefined;
      }
    } else if (record.sampled && record.members.length < 3) {
      await createGroupMembers(context, id, { signal });
    }
    // Otherwise (new group members are not in the watch) the wait watches the members itself.
    await waitForReport(context, id, {
      signal,
      until: 'reports',
      ...(watch ? { watch, statesRead: true } : {}),
    });
  } finally {
    watch?.stop();
  }
  // Back to 'running' when group members were replaced (DuplicateGroupNode): the next round creates them. The wait
  // just read the members' states: validation sends without reading them again.
  if ((await validateTask(context, id, { signal, statesRead: true })).phase === 'running') return;
  await settleWithoutResult(context, id);
}

/** After validation without a result: the typed error, or a resubmit when the node(s) timed out. */
async function settleWithoutResult(context: SdkContext, id: string): Promise<void> {
  const record = await loadRecord(context, id);
  if (record.resultKey) return;
  if (!record.members.every((m) => isEnded(m.state))) {
    const states = record.members.map((m) => `${m.taskKey}: ${m.state ?? 'not created'}`).join('; ');
    throw new VerinetError(
      `Task ${id} could not be settled: ${record.members.length === 1 ? 'its on-chain task is' : 'some of its on-chain tasks are'} neither reported nor ended (${states}).`,
      { details: ['Run it again later.'], retryable: true },
    );
  }
  const withScores = record.members.filter((m) => m.score !== undefined);
  const errored = record.members.find((m) => m.errorCode !== undefined);
  if (record.validation === 'group' && withScores.length > 0)
    throw new GroupNoAgreementError(record.members.map((m) => m.taskKey));
  if (errored && withScores.length === 0)
    throw new TaskErrorReportedError(errored.taskKey, errored.node ?? '0x', errored.errorCode ?? 0);
  if (record.members.every((m) => !m.seedBlock))
    throw new TaskQueuedError(record.members[0]?.taskKey ?? '0x');
  if (context.onTimeout === 'resubmit' && record.resubmits < context.maxResubmits) {
    await resubmitTask(context, id);
    return;
  }
  throw new TaskTimeoutError([...record.previous, ...record.members.map((m) => m.taskKey)], record.resubmits);
}

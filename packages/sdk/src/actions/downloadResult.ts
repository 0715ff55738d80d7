import { hexToBytes } from 'viem';
import type { SdkContext } from '../client/context.js';
import { ResultVerificationError, VerinetError } from '../errors/index.js';
import type { ResultFile, VerifiedResult } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';
import { getExpectedNames, verifyResult } from '../verify/verifyResult.js';
import { getResultBase } from './getResultBase.js';

/**
 * Downloads the validated result from the relay (its manifest, for images, and each file) and checks every byte
 * against the chain (verifyResult). The relay releases results only once the chain shows the task validated; until its
 * view catches up it answers RESULT_NOT_RELEASED, which is retried. A result that fails verification is never
 * returned (ResultVerificationError).
 *
 * @example
 * const { files } = await client.downloadResult(id);
 */
export async function downloadResult(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<VerifiedResult> {
  const record = await loadRecord(context, id);
  const member = record.members.find((m) => m.taskKey === record.resultKey);
  if (!member?.score) {
    throw new VerinetError(`Task ${id} has no validated result to download.`, {
      details: ['Validate it first (client.validateTask(id)); an aborted or refused task has no result.'],
    });
  }
  const step = {
    id,
    step: 'download',
    signal: options.signal,
    attempts: Math.max(context.retry.attempts, 8),
  };
  const args = hexToBytes(record.args);
  const names = getExpectedNames(record.taskType, args);
  // The file names follow from the arguments: the manifest and the files are fetched together (one round trip
  // instead of two), and nothing is trusted before verifyResult checks it all against the chain. A chat result
  // needs no manifest: its on-chain score is the sha256 of its one file, which verifyResult recomputes (one signed
  // relay request less per task, for the app and for the relay).
  const withManifest = record.taskType !== 'llm';
  const [listed, ...fetched] = await Promise.allSettled([
    withManifest ? withRetry(context, step, () => context.relay.getResult(member.taskKey)) : undefined,
    ...names.map((name) => withRetry(context, step, () => context.relay.getResultFile(member.taskKey, name))),
  ]);
  if (listed.status === 'rejected') throw listed.reason;
  const manifest = listed.value as Awaited<ReturnType<typeof context.relay.getResult>> | undefined;
  const files: ResultFile[] = [];
  for (const [index, name] of names.entries()) {
    if (manifest && !manifest.files.some((f) => f.name === name))
      throw new ResultVerificationError(member.taskKey, `the relay lists no ${name}`);
    const file = fetched[index];
    if (file?.status !== 'fulfilled') throw file?.reason;
    files.push({ name, bytes: file.value as Uint8Array });
  }
  await verifyResult({
    taskType: record.taskType,
    taskKey: member.taskKey,
    score: member.score,
    args,
    manifest,
    files,
    decodeImage: context.decodeImage,
  });
  context.emit({
    type: 'downloaded',
    id,
    taskKey: member.taskKey,
    files: files.map((f) => ({ name: f.name, size: f.bytes.length })),
  });
  if (record.phase !== 'done') {
    record.phase = 'done';
    await saveRecord(context, record);
    context.emit({ type: 'done', id });
  }
  return { taskType: record.taskType, files, base: getResultBase(record) };
}

import type { TaskRecord, TaskResultBase, TaskStore } from '@verinet/sdk';
import { formatEth } from '@verinet/web/format';
import { escapeControlCharacters } from '../cli/escapeControlCharacters.js';
import { printLine, printNote } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { describeValidation } from './describeValidation.js';

export type TaskResultOutput = {
  base: TaskResultBase;
  /** SD: the images written, with their pHashes. */
  images?: { path: string; pHash: string }[];
  /** LLM: the answer. */
  text?: string;
  finishReason?: string | undefined;
  usage?: unknown;
};

/**
 * What `task run` and `task resume` print once the result is verified: one JSON document (`--json`), or the
 * outcome line on stderr (what checked the result; how many on-chain tasks it took and what they cost) and the
 * data on stdout (image paths, or the text with terminal control codes shown, not obeyed).
 *
 * @example
 * await printTaskResult(store, { base, images }, { json: false });
 */
export async function printTaskResult(
  store: TaskStore,
  result: TaskResultOutput,
  options: { json?: boolean | undefined },
): Promise<void> {
  const { base } = result;
  const record = await store.getTask(base.id).catch(() => undefined);
  const replaced = record?.replaced?.length ?? 0;
  if (options.json) {
    printJson({
      id: base.id,
      type: base.taskType,
      taskKey: base.taskKey,
      node: base.node,
      score: base.score,
      validation: base.validation,
      taskKeys: base.taskKeys,
      replaced,
      resubmits: record?.resubmits ?? 0,
      feesPaid: base.feesPaid.toString(),
      refunded: base.refunded.toString(),
      ...(result.images ? { images: result.images } : {}),
      ...(result.text !== undefined
        ? { text: result.text, finishReason: result.finishReason, usage: result.usage }
        : {}),
    });
    return;
  }
  const outcome = record
    ? describeValidation(record).outcome
    : base.validation === 'group'
      ? 'validated by a group of 3'
      : 'validated alone';
  printNote(`task ${base.id}: ${outcome}; ${describeCost(base, record, replaced)}`);
  for (const image of result.images ?? []) printLine(image.path);
  if (result.text !== undefined) printLine(escapeControlCharacters(result.text));
}

/**
 * "1 gwei paid", or for a task that took more than one on-chain task how many and why, what was paid for them
 * in all and what is owed back: a sampled task on a small network can take many (each member that ran on a node
 * already in the group is replaced and paid alone), and the price line alone hid that.
 */
export function describeCost(
  base: Pick<TaskResultBase, 'taskKeys' | 'feesPaid' | 'refunded'>,
  record: (Pick<TaskRecord, 'resubmits'> & { previous?: readonly unknown[] | undefined }) | undefined,
  replaced: number,
): string {
  const count = base.taskKeys.length;
  // taskKeys lists the earlier attempts' tasks first (getResultBase): they are no members of this group.
  const earlier = Math.min(record?.previous?.length ?? 0, count);
  const members = count - earlier - replaced;
  const parts: string[] = [];
  if (count > 1) {
    const why = [
      ...(members > 1 ? [`${members - 1} group member${members - 1 === 1 ? '' : 's'}`] : []),
      ...(replaced > 0
        ? [
            replaced === 1
              ? '1 replacement for a member that ran on a node already in the group'
              : `${replaced} replacements for members that ran on a node already in the group`,
          ]
        : []),
      ...(earlier > 0 ? [`${earlier} earlier attempt${earlier === 1 ? '' : 's'}`] : []),
    ];
    parts.push(`${count} on-chain tasks (the original${why.map((part) => `, ${part}`).join('')})`);
  }
  if (record && record.resubmits > 0)
    parts.push(`resubmitted ${record.resubmits} time${record.resubmits === 1 ? '' : 's'}`);
  parts.push(`${formatEth(base.feesPaid)} paid${count > 1 ? ' to nodes in all' : ''}`);
  if (base.refunded > 0n)
    parts.push(`${formatEth(base.refunded)} refunded (owed back: \`verinet task withdraw\` collects it)`);
  return parts.join(', ');
}

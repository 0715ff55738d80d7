import type { TaskRecord, TaskStore } from '@verinet/sdk';
import { CommandError } from '../cli/errors.js';

/**
 * The task a user names on the command line: its id (`task run` prints it), a unique prefix of the id, or one
 * of its on-chain task keys (`0x…`, the TASK KEY column of `task list` and what the explorer shows; a unique
 * prefix of one too). Not found and ambiguous are one-line errors saying what to do.
 *
 * @example
 * const record = await findTaskRecord(store, '3f2a', '.verinet/devnet/app/tasks.db');
 */
export async function findTaskRecord(store: TaskStore, ref: string, storePath: string): Promise<TaskRecord> {
  const exact = await store.getTask(ref);
  if (exact) return exact;
  const wanted = ref.trim().toLowerCase();
  const records = wanted === '' ? [] : await store.listTasks();
  const keysOf = (record: TaskRecord): string[] =>
    [
      ...record.members.map((member) => member.taskKey),
      ...(record.replaced ?? []).map((member) => member.taskKey),
      ...record.previous,
    ].map((key) => key.toLowerCase());
  const byKey = wanted.startsWith('0x')
    ? records.filter((record) => keysOf(record).some((key) => key === wanted))
    : [];
  const matches =
    byKey.length > 0
      ? byKey
      : records.filter((record) =>
          wanted.startsWith('0x')
            ? keysOf(record).some((key) => key.startsWith(wanted))
            : record.id.toLowerCase().startsWith(wanted),
        );
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new CommandError(`No task ${ref} in ${storePath}.`, {
      details: [
        '`verinet task list` shows the ids and task keys (each network and devnet folder has its own store).',
      ],
    });
  const shown = matches.slice(0, 5).map((record) => record.id);
  throw new CommandError(
    `"${ref}" matches ${matches.length} tasks: ${shown.join(', ')}${matches.length > shown.length ? ', …' : ''}; give more of the id.`,
  );
}

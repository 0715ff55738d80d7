import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskRecord } from '@verinet/sdk';
import { createMemoryStore } from '../../../sdk/src/store/createMemoryStore.js';
import { CommandError } from '../cli/errors.js';
import { findTaskRecord } from './findTaskRecord.js';

function record(id: string, taskKey: string): TaskRecord {
  return {
    id,
    members: [{ role: 'original', taskKey }],
    previous: [`0x${'e'.repeat(64)}`],
  } as unknown as TaskRecord;
}

async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    assert.ok(error instanceof CommandError, String(error));
    return error.shortMessage;
  }
  throw new Error('found');
}

test('a task is found by its id, a unique id prefix or its task key (the TASK KEY column)', async () => {
  const store = createMemoryStore();
  const keyA = `0x${'a'.repeat(63)}1`;
  const keyB = `0x${'a'.repeat(63)}2`;
  await store.putTask(record('3f2a00000000000000000000000000aa', keyA));
  await store.putTask(record('3f2b00000000000000000000000000bb', keyB));
  assert.equal(
    (await findTaskRecord(store, '3f2a00000000000000000000000000aa', 'db')).id.slice(0, 4),
    '3f2a',
  );
  assert.equal((await findTaskRecord(store, '3f2b', 'db')).id.slice(0, 4), '3f2b');
  assert.equal((await findTaskRecord(store, keyA, 'db')).id.slice(0, 4), '3f2a');
  assert.equal(
    (await findTaskRecord(store, keyB.toUpperCase().replace('0X', '0x'), 'db')).id.slice(0, 4),
    '3f2b',
  );
  assert.equal(
    await refusal(findTaskRecord(store, '3f2', 'db')),
    '"3f2" matches 2 tasks: 3f2a00000000000000000000000000aa, 3f2b00000000000000000000000000bb; give more of the id.',
  );
  // A shared earlier attempt's key is ambiguous too, not the first one found.
  assert.match(await refusal(findTaskRecord(store, `0x${'e'.repeat(64)}`, 'db')), /matches 2 tasks/);
  assert.equal(await refusal(findTaskRecord(store, 'nope', 'db')), 'No task nope in db.');
  assert.equal(await refusal(findTaskRecord(store, '', 'db')), 'No task  in db.');
});

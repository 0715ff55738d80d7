import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runnableTaskTypes, taskArgsVersions } from '@verinet/protocol/args';
import { getDefaultBackends } from '@verinet/worker';

describe('the verdict the relay applies is the worker build it attests for', () => {
  it('lists exactly the task types (and argument versions) of the worker default backends', () => {
    const backends = getDefaultBackends();
    assert.deepEqual(backends.map((b) => b.taskType).sort(), [...runnableTaskTypes].sort());
    for (const backend of backends)
      assert.equal(backend.argsVersion, taskArgsVersions[backend.taskType], backend.taskType);
  });
});

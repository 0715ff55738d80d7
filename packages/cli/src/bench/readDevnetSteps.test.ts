import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDevnetSteps } from './readDevnetSteps.js';

const key = (n: number) => `0x${String(n).repeat(64).slice(0, 64)}`;
const step = (taskKey: string, to: string, time: number, seenAt?: number) =>
  JSON.stringify({ msg: 'task step', service: 'node 1', taskKey, from: 'x', to, time, seenAt });

describe('readDevnetSteps', () => {
  it("times each node step from when the watcher stored the task, and the relay's answers by route, within the window", () => {
    const log = [
      'not json',
      step(key(1), 'args_ready', 1_030, 1_000),
      step(key(1), 'models_ready', 1_035),
      step(key(1), 'executed', 1_050),
      step(key(1), 'result_uploaded', 1_080),
      step(key(1), 'reported', 1_120),
      // Seen before the window (another phase): left out.
      step(key(2), 'args_ready', 530, 500),
      // Seen in the window, not reported yet: its steps so far.
      step(key(3), 'args_ready', 1_210, 1_200),
      JSON.stringify({
        msg: 'incoming request',
        reqId: 'r1',
        req: { method: 'GET', url: `/v1/tasks/${key(1)}/args` },
      }),
      JSON.stringify({ msg: 'request completed', reqId: 'r1', time: 1_020, responseTime: 12.5 }),
      JSON.stringify({
        msg: 'incoming request',
        reqId: 'r2',
        req: { method: 'PUT', url: `/v1/args/${key(4)}?salt=${key(5)}` },
      }),
      JSON.stringify({ msg: 'request completed', reqId: 'r2', time: 400, responseTime: 7 }),
    ].join('\n');
    const { node, relay } = readDevnetSteps(log, { from: 900, to: 2_000 });
    assert.deepEqual(
      [...node],
      [
        ['seen → args_ready', [30, 10]],
        ['args_ready → models_ready', [5]],
        ['models_ready → executed', [15]],
        ['executed → result_uploaded', [30]],
        ['result_uploaded → reported', [40]],
      ],
    );
    assert.deepEqual([...relay], [['GET /v1/tasks/:key/args', [12.5]]]);
  });
});

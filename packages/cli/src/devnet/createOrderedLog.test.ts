import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOrderedLog } from './createOrderedLog.js';

describe('createOrderedLog: the lines of steps that finish in any order, printed in their order', () => {
  it('holds a line until the lines before it are printed, then prints the run at once', () => {
    const printed: string[] = [];
    const ordered = createOrderedLog(4, (line) => printed.push(line));
    ordered(2, 'two');
    ordered(3, 'three');
    assert.deepEqual(printed, []);
    ordered(0, 'zero');
    assert.deepEqual(printed, ['zero']);
    ordered(1, 'one');
    assert.deepEqual(printed, ['zero', 'one', 'two', 'three']);
  });

  it('prints at once a line whose predecessors are printed (no waiting for the later steps)', () => {
    const printed: string[] = [];
    const ordered = createOrderedLog(3, (line) => printed.push(line));
    ordered(0, 'zero');
    ordered(1, 'one');
    assert.deepEqual(printed, ['zero', 'one']);
  });

  it('refuses a line given twice or outside the steps', () => {
    const ordered = createOrderedLog(2, () => {});
    ordered(0, 'zero');
    assert.throws(() => ordered(0, 'again'), RangeError);
    assert.throws(() => ordered(2, 'beyond'), RangeError);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeParentMessage, decodeWorkerMessage, encodeMessage } from './codec.js';
import { WorkerProtocolError } from './errors.js';
import { createLineSplitter } from './lineSplitter.js';
import { protocolVersion, type WorkerMessage } from './messages.js';

describe('codec', () => {
  test('every worker message round-trips through a line', () => {
    const messages: WorkerMessage[] = [
      {
        type: 'handshake',
        protocolVersion,
        workerVersion: '0.1.0',
        runtime: 'node',
        executionProvider: 'cpu',
        threads: 1,
        backends: [{ taskType: 'llm', argsVersion: '1.0.0', models: ['a/b'], features: [] }],
      },
      { type: 'progress', requestId: 'r1', step: 1, total: 2 },
      {
        type: 'result',
        requestId: 'r1',
        files: [{ name: '0.png', mediaType: 'image/png', size: 3, sha256: 'ab'.repeat(32) }],
        score: '0011223344556677',
        durationMs: 1.5,
      },
      { type: 'error', requestId: 'r1', kind: 'invalid_args', message: 'bad', details: ['x'] },
    ];
    for (const message of messages) {
      const line = encodeMessage(message);
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
      assert.deepEqual(decodeWorkerMessage(line.trimEnd()), message);
    }
  });

  test('invalid messages are WorkerProtocolError naming the field', () => {
    assert.throws(() => decodeWorkerMessage('{"type":"progress"'), /not JSON/);
    assert.throws(
      () => decodeWorkerMessage('{"type":"progress","requestId":"r","step":-1,"total":1}'),
      (error: unknown) => error instanceof WorkerProtocolError && /step/.test(error.message),
    );
    assert.throws(() => decodeWorkerMessage('{"type":"telemetry"}'), WorkerProtocolError);
    // Strict objects: an unknown field is refused rather than silently dropped.
    assert.throws(() => decodeParentMessage('{"type":"shutdown","now":true}'), WorkerProtocolError);
    assert.throws(
      () => decodeWorkerMessage('{"type":"error","kind":"slashed","message":"x"}'),
      WorkerProtocolError,
    );
    // A result file must be a plain name inside outputDir.
    assert.throws(
      () =>
        decodeWorkerMessage(
          JSON.stringify({
            type: 'result',
            requestId: 'r',
            files: [{ name: '../x', mediaType: 'image/png', size: 1, sha256: 'ab'.repeat(32) }],
            score: '00',
            durationMs: 1,
          }),
        ),
      WorkerProtocolError,
    );
    assert.deepEqual(decodeParentMessage('{"type":"cancel","requestId":"r"}'), {
      type: 'cancel',
      requestId: 'r',
    });
  });
});

describe('createLineSplitter', () => {
  test('splits on bytes, so a multi-byte character cut between chunks survives', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter(
      (line) => lines.push(line),
      (error) => assert.fail(error),
    );
    const bytes = Buffer.from('{"a":"héllo ✓"}\r\n\n{"b":1}\n{"c"', 'utf8');
    for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1));
    assert.deepEqual(lines, ['{"a":"héllo ✓"}', '{"b":1}']);
    assert.equal(splitter.pending(), 4);
  });

  test('a line over the limit is reported once and dropped; the next line is read', () => {
    const lines: string[] = [];
    const errors: WorkerProtocolError[] = [];
    const splitter = createLineSplitter(
      (line) => lines.push(line),
      (error) => errors.push(error),
      16,
    );
    splitter.push(Buffer.from('x'.repeat(10)));
    splitter.push(Buffer.from('y'.repeat(10)));
    splitter.push(Buffer.from('z'.repeat(10)));
    splitter.push(Buffer.from('\nok\n'));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /longer than 16 bytes/);
    assert.deepEqual(lines, ['ok']);
  });
});

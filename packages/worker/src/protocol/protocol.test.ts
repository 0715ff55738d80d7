import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeParentMessage, decodeWorkerMessage, encodeMessage } from './codec.js';
import { WorkerProtocolError } from './errors.js';
import { fastCheckParentMessage, fastCheckWorkerMessage } from './fastCheck.js';
import { createLineSplitter } from './lineSplitter.js';
import { parentMessageSchema, protocolVersion, type WorkerMessage, workerMessageSchema } from './messages.js';

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

describe('fast checks', () => {
  const replacements: unknown[] = [
    undefined,
    null,
    true,
    0,
    -0,
    -1,
    1.5,
    2 ** 53,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'r',
    'x'.repeat(128),
    'x'.repeat(129),
    'AB',
    'ab'.repeat(32),
    'ab'.repeat(31),
    '../x',
    '0.png',
    'image/png',
    'image/jpeg',
    'llm',
    'sd_ft',
    'gpt',
    [],
    {},
    [{}],
  ];
  /** Every message one change away from `base`: each field (nested too) replaced or removed, or one added. */
  function* variants(base: Record<string, unknown>): Generator<unknown> {
    yield base;
    yield { ...base, extra: 1 };
    yield JSON.parse(`{"__proto__":1,${JSON.stringify(base).slice(1)}`);
    for (const key of Object.keys(base)) {
      const { [key]: _removed, ...rest } = base;
      yield rest;
      for (const value of replacements) yield { ...base, [key]: value };
      const inner = base[key];
      if (Array.isArray(inner) && inner[0] && typeof inner[0] === 'object') {
        yield { ...base, [key]: [...inner, inner[0]] };
        for (const file of variants(inner[0] as Record<string, unknown>)) yield { ...base, [key]: [file] };
      }
    }
  }
  const cases: [
    string,
    (v: unknown) => unknown,
    typeof workerMessageSchema | typeof parentMessageSchema,
    Record<string, unknown>,
  ][] = [
    [
      'run',
      fastCheckParentMessage,
      parentMessageSchema,
      { type: 'run', requestId: 'r1', taskType: 'sd', args: { prompt: 'x' }, outputDir: '/tmp/out' },
    ],
    ['cancel', fastCheckParentMessage, parentMessageSchema, { type: 'cancel', requestId: 'r1' }],
    [
      'progress',
      fastCheckWorkerMessage,
      workerMessageSchema,
      { type: 'progress', requestId: 'r1', step: 1, total: 4 },
    ],
    [
      'progress with message',
      fastCheckWorkerMessage,
      workerMessageSchema,
      { type: 'progress', requestId: 'r1', step: 1, total: 4, message: 'image 1/1' },
    ],
    [
      'result',
      fastCheckWorkerMessage,
      workerMessageSchema,
      {
        type: 'result',
        requestId: 'r1',
        files: [{ name: '0.png', mediaType: 'image/png', size: 3, sha256: 'ab'.repeat(32) }],
        score: '0011223344556677',
        durationMs: 1.5,
      },
    ],
  ];
  for (const [name, fastCheck, schema, base] of cases) {
    test(`${name}: the fast check accepts only what zod accepts, and the valid message itself`, () => {
      let accepted = 0;
      for (const value of variants(base)) {
        const checked = fastCheck(value);
        if (checked === undefined) continue;
        accepted++;
        const parsed = schema.safeParse(value);
        assert.ok(parsed.success, `fast check accepted what zod refuses: ${JSON.stringify(value)}`);
        assert.deepEqual(checked, parsed.data);
      }
      // The message every task sends must take the fast path; cancel is rare and left to zod.
      assert.equal(fastCheck(base) !== undefined, name !== 'cancel');
      assert.ok(name === 'cancel' || accepted > 1);
    });
  }
});

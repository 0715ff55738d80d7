import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDevnetLogger } from './createDevnetLogger.js';
import { formatDevnetLogLine } from './formatDevnetLogLine.js';

test('a service warning with an error and a stack is one human line', () => {
  const line = JSON.stringify({
    level: 40,
    time: 1,
    service: 'bridge',
    job: 'job_1',
    err: {
      type: 'Error',
      message: 'The node reported an error.\nDetails: …',
      stack: 'Error: …\n    at x (y.ts:1:1)',
    },
    msg: 'job failed',
  });
  assert.equal(
    formatDevnetLogLine(line),
    'bridge: warning: job failed: The node reported an error. [job job_1]',
  );
  assert.equal(
    formatDevnetLogLine('{"level":50,"service":"node 0","msg":"worker crashed\\u001b[2J"}'),
    'node 0: error: worker crashed [2J',
  );
  assert.equal(formatDevnetLogLine('plain text\n'), 'plain text');
});

test('the devnet logger writes everything to its file and only warnings to the terminal, one line each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verinet-devnet-log-'));
  try {
    const printed: string[] = [];
    const logs = createDevnetLogger({
      file: join(dir, 'logs', 'devnet.log'),
      level: 'info',
      print: (l) => printed.push(l),
    });
    const relay = logs.logger.child({ service: 'relay' });
    relay.info('relay listening');
    relay.warn({ err: new Error('disk full') }, 'retention pass failed');
    relay.debug('not logged at info');
    logs.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(printed, ['relay: warning: retention pass failed: disk full']);
    const lines = readFileSync(join(dir, 'logs', 'devnet.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['relay listening', 'retention pass failed'],
    );
    assert.match(lines[1].err.stack, /disk full\n\s+at /, 'the file keeps the stack');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

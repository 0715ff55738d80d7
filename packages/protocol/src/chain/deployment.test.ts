import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeploymentFileError, readDeployment } from './deployment.js';

const dir = mkdtempSync(join(tmpdir(), 'verinet-deployment-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readDeployment', () => {
  it('a relative path that is not there: says where it was looked for (the working folder is the usual cause)', () => {
    const relative = join('.verinet', 'no-such-devnet', 'deployment.json');
    assert.throws(
      () => readDeployment(relative),
      (error: unknown) =>
        error instanceof DeploymentFileError &&
        error.message.includes(`It was looked for at ${resolve(relative)} (relative to ${process.cwd()}).`) &&
        /Check the path/.test(error.message),
    );
  });

  it('an absolute path: no working-folder note; bad JSON and a malformed file are named', () => {
    const absent = join(dir, 'absent.json');
    assert.throws(
      () => readDeployment(absent),
      (error: unknown) => error instanceof DeploymentFileError && !error.message.includes('looked for at'),
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    assert.throws(() => readDeployment(bad), /is not valid JSON/);
    const malformed = join(dir, 'malformed.json');
    writeFileSync(malformed, '{"chainId": "x"}');
    assert.throws(() => readDeployment(malformed), /is malformed/);
  });
});

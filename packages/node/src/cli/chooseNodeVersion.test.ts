import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packVersion, taskArgsVersions } from '@verinet/protocol/args';
import { builtInBackendVersions, chooseNodeVersion } from './chooseNodeVersion.js';

const llm = (argsVersion: string, models = ['verinet/tiny-gpt2']) => ({
  taskType: 'llm',
  argsVersion,
  models,
});
const sd = (argsVersion: string, models = ['verinet/tiny-sd']) => ({ taskType: 'sd', argsVersion, models });

describe('chooseNodeVersion (F7: one registered version, exact for LLM tasks)', () => {
  it("a node serving LLM tasks registers exactly the worker's LLM version, never the newer image one", () => {
    assert.equal(chooseNodeVersion({ backends: [llm('1.0.0'), sd('1.1.0')] }), '1.0.0');
    assert.equal(chooseNodeVersion({ backends: [sd('1.1.0'), llm('1.0.0')] }), '1.0.0');
    // Several image backends: the oldest bounds what the node runs; compared as versions, not as text.
    const sdFt = { taskType: 'sd_ft', argsVersion: '1.9.0', models: ['verinet/tiny-sd'] };
    assert.equal(chooseNodeVersion({ backends: [sd('1.10.0'), sdFt] }), '1.9.0');
  });

  it('a node without LLM models registers its image version', () => {
    assert.equal(chooseNodeVersion({ backends: [llm('1.0.0', []), sd('1.1.0')] }), '1.1.0');
  });

  it("this build: the version join registers is the devnet's (the LLM args version) and fits both kinds", () => {
    const version = chooseNodeVersion({ backends: builtInBackendVersions() });
    assert.equal(version, taskArgsVersions.llm);
    // What the registry checks (NodeVersion.fitsTask): LLM exact, images same major and at least the task's.
    assert.equal(packVersion(version), packVersion(taskArgsVersions.llm));
    assert.ok(packVersion(taskArgsVersions.sd) >= packVersion(version));
  });

  it('a configured version the worker does not run is one clear error', () => {
    assert.throws(
      () => chooseNodeVersion({ backends: [llm('1.0.0'), sd('1.1.0')], configured: '1.1.0' }),
      /runs LLM task arguments 1\.0\.0.*exactly its version; set `version` to 1\.0\.0/,
    );
    assert.throws(
      () => chooseNodeVersion({ backends: [sd('1.1.0')], configured: '1.2.0' }),
      /image task arguments up to 1\.1\.0/,
    );
    assert.throws(() => chooseNodeVersion({ backends: [sd('1.1.0')], configured: '2.0.0' }), /same major/);
    assert.equal(chooseNodeVersion({ backends: [sd('1.1.0')], configured: '1.0.0' }), '1.0.0');
    assert.equal(chooseNodeVersion({ backends: [llm('1.0.0')], configured: '1.0.0' }), '1.0.0');
    assert.throws(() => chooseNodeVersion({ backends: [] }), /serves no model/);
  });
});

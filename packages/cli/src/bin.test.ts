import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
const linked = resolve(repo, 'node_modules/.bin/verinet');

describe('the verinet binary as `npx verinet` finds it', () => {
  it('is linked into node_modules/.bin by npm install and runs through its shebang', () => {
    assert.ok(existsSync(linked), 'npm install links the workspace bin (packages/cli/package.json "bin")');
    assert.equal(realpathSync(linked), realpathSync(resolve(repo, 'packages/cli/bin/verinet')));
    // Run from a sub-folder, as a user inside the repository would.
    const result = spawnSync(linked, ['--version'], {
      cwd: resolve(repo, 'docs'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('an unexpected failure still prints one line, without a stack trace', () => {
    const result = spawnSync(linked, ['keystore', 'address', resolve(repo, 'no-such-keystore.json')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, VERINET_KEYSTORE_PASSWORD: 'x', DEBUG: '' },
    });
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^error: No keystore at /);
  });

  it('a reader that closes the pipe early (`verinet --help | head -1`) ends it quietly with exit 0', async () => {
    const child = spawn(linked, ['--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBUG: '' },
    });
    // Closed before the CLI has started: its every write to stdout meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code] = (await once(child, 'close')) as [number | null];
    clearTimeout(timer);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

describe('the launcher runs the short commands from a bundle, the services from source', () => {
  const cacheName = `test-${process.pid}`;
  const cacheDir = resolve(repo, 'packages/cli/node_modules/.cache', cacheName);
  const run = (args: string[]) =>
    spawnSync(linked, args, {
      cwd: repo,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, DEBUG: 'verinet', VERINET_CLI_CACHE: cacheName },
    });

  it('bin/verinet sends exactly the bundled commands to the bundle', () => {
    const script = readFileSync(resolve(repo, 'packages/cli/bin/verinet'), 'utf8');
    const routed = /^'' \| ([\w| -]+)\) exec node "\$here\/bundled\.mjs"/m.exec(script)?.[1];
    assert.ok(routed, script);
    // Read, not imported: importing the launcher would run it.
    const launcher = readFileSync(resolve(repo, 'packages/cli/bin/bundled.mjs'), 'utf8');
    const listed = /bundledCommandModules = \[([^\]]+)\]/.exec(launcher)?.[1];
    assert.ok(listed, 'bundled.mjs lists its command modules');
    const bundledCommandModules = [...listed.matchAll(/'([\w.]+)'/g)].map((match) => match[1]);
    const toModule = (name: string) => `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}.ts`;
    assert.deepEqual(routed.split(' | ').map(toModule).sort(), [...bundledCommandModules].sort());
  });

  it('builds the bundle once, reuses it, and builds again when a source it holds changed', () => {
    try {
      const first = run(['--version']);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(
        first.stdout,
        `${JSON.parse(readFileSync(resolve(repo, 'packages/cli/package.json'), 'utf8')).version}\n`,
      );
      const built = /verinet: bundle built in \d+ ms \((.+)\)/.exec(first.stderr)?.[1];
      assert.ok(built, first.stderr);
      const second = run(['task', '--help']);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /resume \[options\] <id>/);
      assert.equal(/verinet: bundle reused \((.+)\)/.exec(second.stderr)?.[1], built, second.stderr);
      // A source edited since: its recorded size and mtime no longer match (the pointer is doctored, not the
      // source, which other tests may be reading).
      const pointerFile = resolve(cacheDir, 'current.json');
      const pointer = JSON.parse(readFileSync(pointerFile, 'utf8')) as { inputs: [string, string][] };
      const task = pointer.inputs.find(([file]) => file.endsWith('/commands/task.ts'));
      assert.ok(task, 'the bundle records commands/task.ts among its inputs');
      task[1] = '0:0';
      writeFileSync(pointerFile, JSON.stringify(pointer));
      const third = run(['--version']);
      assert.equal(third.status, 0, third.stderr);
      const rebuilt = /verinet: bundle built in \d+ ms \((.+)\)/.exec(third.stderr)?.[1];
      assert.ok(rebuilt && rebuilt !== built, third.stderr);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('review s9 #5–7: a future mtime still records the bundle; old folders are capped; a fresh build lock defers', () => {
    const packageFile = resolve(repo, 'packages/cli/package.json');
    const { atime, mtime } = statSync(packageFile);
    try {
      mkdirSync(cacheDir, { recursive: true });
      // Six bundle folders of the last minutes (none a day old) from earlier builds.
      for (let i = 1; i <= 6; i++) mkdirSync(resolve(cacheDir, `b-${Date.now() - i * 60_000}-1`));
      // A source dated an hour ahead (a clock set back) is no edit in progress.
      utimesSync(packageFile, atime, new Date(Date.now() + 3_600_000));
      const first = run(['--version']);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /verinet: bundle built/);
      const folders = readdirSync(cacheDir).filter((name) => name.startsWith('b-'));
      assert.ok(folders.length <= 4, folders.join(' '));
      const second = run(['--version']);
      assert.match(second.stderr, /verinet: bundle reused/, second.stderr);
      // Another process is building: this one runs from source rather than building a bundle of its own.
      writeFileSync(resolve(cacheDir, 'current.json'), '{}');
      writeFileSync(resolve(cacheDir, 'build.lock'), '');
      const deferred = run(['--version']);
      assert.equal(deferred.status, 0, deferred.stderr);
      assert.match(deferred.stderr, /running from source through tsx \(another process is building/);
      // A lock a killed process left (older than a build takes) is taken over.
      const old = new Date(Date.now() - 120_000);
      utimesSync(resolve(cacheDir, 'build.lock'), old, old);
      const taken = run(['--version']);
      assert.match(taken.stderr, /verinet: bundle built/, taken.stderr);
      assert.equal(existsSync(resolve(cacheDir, 'build.lock')), false);
    } finally {
      utimesSync(packageFile, atime, mtime);
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('when no bundle can be made (its folder is a file), the command still runs, from source through tsx', () => {
    mkdirSync(dirname(cacheDir), { recursive: true });
    writeFileSync(cacheDir, '');
    try {
      const result = run(['task', '--help']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /resume \[options\] <id>/);
      assert.match(result.stderr, /verinet: running from source through tsx \(EEXIST/);
    } finally {
      rmSync(cacheDir, { force: true });
    }
  });

  it('a service command (devnet) runs from source through tsx, not from the bundle', () => {
    const result = run(['devnet', '--help']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Usage: verinet devnet/);
    assert.doesNotMatch(result.stderr, /bundle/);
    assert.equal(existsSync(cacheDir), false);
  });
});

describe('start-up loads only the command being run', () => {
  it('each lazily loaded command has the summary `verinet --help` lists for it', async () => {
    const { commandModules } = await import('./cli/createProgram.js');
    for (const entry of commandModules) {
      const command = await entry.load();
      assert.equal(command.name(), entry.name);
      assert.equal(command.summary(), entry.summary, `the summary of ${entry.name}`);
    }
  });

  it('`verinet --help`, `verinet task --help` and `task list` load neither viem nor the SDK client', async () => {
    // A loader hook lists every module the process loads (a fresh process: this one has loaded much more).
    const hook = `data:text/javascript,${encodeURIComponent(
      "import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { const r = await n(u, c); process.stderr.write(\"LOADED \" + u + \"\\\\n\"); return r; }'));",
    )}`;
    // `task list` reads the app's store (made here, empty) without the SDK's index.
    const dir = mkdtempSync(join(tmpdir(), 'verinet-bin-'));
    const storePath = join(dir, 'tasks.db');
    const { createSqliteStore } = await import('../../sdk/src/store/createSqliteStore.js');
    await createSqliteStore({ path: storePath }).close();
    for (const args of [
      ['--help'],
      ['task', '--help'],
      ['task', 'run', '--help'],
      ['task', 'list', '--store', storePath],
    ]) {
      const result = spawnSync(
        process.execPath,
        ['--import', hook, '--import', 'tsx', resolve(repo, 'packages/cli/src/bin.ts'), ...args],
        { encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(result.status, 0, result.stderr);
      const loaded = result.stderr.split('\n').filter((line) => line.startsWith('LOADED '));
      assert.ok(loaded.length > 10, `the hook saw the modules: ${result.stderr.slice(0, 500)}`);
      for (const heavy of [
        '/node_modules/viem/',
        '/packages/sdk/src/index',
        '/packages/sdk/src/client/',
        '/node_modules/onnxruntime',
        '/node_modules/sharp/',
      ])
        assert.deepEqual(
          loaded.filter((line) => line.includes(heavy)),
          [],
          `verinet ${args.join(' ')} loads ${heavy}`,
        );
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

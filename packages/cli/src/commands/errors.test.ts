import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getFreePort } from '../anvil/startAnvil.js';
import { captureCli } from '../cli/captureCli.js';
import { createTestDevnetNetwork } from '../devnet/createTestDevnetNetwork.js';
import { writeDevnetNetwork } from '../devnet/devnetNetwork.js';
import { encryptKeystore } from '../keystore/keystore.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

/**
 * Every bad input is one line on stderr saying what is wrong and what to do, with a non-zero exit and no
 * stack trace. Runs the real command tree in-process (captureCli), one case per test.
 */
const password = 'a test password';
const testKey = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'; // anvil #3, public

function assertOneLineError(run: { status: number; stderr: string; stdout: string }, message: RegExp) {
  assert.notEqual(run.status, 0, 'exit code');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${run.stderr}`);
  assert.match(lines[0] ?? '', /^error: /);
  assert.match(lines[0] ?? '', message);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

/**
 * The devnet's other ports, moved off their defaults: a devnet (or anything) running on this machine holds those,
 * and a busy-port case must see only the port it holds itself (session 13: these cases failed beside a devnet).
 * Every service port but the chain's takes 0 (any free port; the explorer is left out); the chain's has no 0.
 */
const otherDevnetPorts = async (...held: string[]) => [
  ...(held.includes('--port') ? [] : ['--port', String(await getFreePort())]),
  ...(held.includes('--relay-port') ? [] : ['--relay-port', '0']),
  ...(held.includes('--node-api-port') ? [] : ['--node-api-port', '0']),
  ...(held.includes('--bridge-port') ? [] : ['--bridge-port', '0']),
  '--no-explorer',
];

describe('errors: one line, non-zero exit, no stack trace', () => {
  let dir = '';
  let keystore = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'verinet-errors-'));
    keystore = join(dir, 'deployer.json');
    writeFileSync(keystore, JSON.stringify(encryptKeystore(testKey, password, { scryptN: 1024 })));
    writeFileSync(join(dir, 'a-file'), 'not a folder\n');
    writeFileSync(join(dir, 'corrupt.json'), '{"version": 3, "crypto": ');
    mkdirSync(join(dir, 'keystore-dir'));
  }, setupTimeout);
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
  const env = { VERINET_KEYSTORE_PASSWORD: password };

  it('a missing keystore file', async () => {
    const run = await captureCli(['keystore', 'address', join(dir, 'absent.json')], env);
    assertOneLineError(run, /No keystore at .*absent\.json\. Check the path, or create one/);
    const deploy = await captureCli(
      ['deploy', '--rpc-url', 'http://127.0.0.1:1', '--keystore', join(dir, 'absent.json')],
      env,
    );
    assertOneLineError(deploy, /No keystore at/);
  });

  it('a corrupt keystore file (not JSON)', async () => {
    const run = await captureCli(['keystore', 'address', '--file', join(dir, 'corrupt.json')], env);
    assertOneLineError(run, /corrupt\.json is not JSON, so it is not a keystore/);
  });

  it('a keystore path that is a folder', async () => {
    const run = await captureCli(['keystore', 'address', join(dir, 'keystore-dir')], env);
    assertOneLineError(run, /keystore-dir is a folder, not a keystore file/);
  });

  it('a wrong keystore password', async () => {
    const run = await captureCli(['keystore', 'address', keystore], { VERINET_KEYSTORE_PASSWORD: 'wrong' });
    assertOneLineError(run, /Wrong keystore password \(MAC mismatch\)\. Check the password/);
  });

  it('an output path in a missing folder', async () => {
    const out = join(dir, 'no', 'such', 'folder', 'k.json');
    const run = await captureCli(['keystore', 'create', '--out', out], env);
    assertOneLineError(
      run,
      /--out .*k\.json: the folder .*folder does not exist\. Create it first \(mkdir -p/,
    );
    const deploy = await captureCli(
      ['deploy', '--rpc-url', 'http://127.0.0.1:1', '--keystore', keystore, '--out', out],
      env,
    );
    assertOneLineError(deploy, /the folder .* does not exist/);
  });

  it('a zero private key', async () => {
    const run = await captureCli(
      ['keystore', 'create', '--out', join(dir, 'zero.json'), '--import-key-env', 'KEY'],
      { ...env, KEY: `0x${'0'.repeat(64)}` },
    );
    assertOneLineError(run, /The key in KEY is zero, which is not a valid secp256k1 key/);
  });

  it('a private key at or above the curve order', async () => {
    const n = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';
    const keyFile = join(dir, 'n.key');
    writeFileSync(keyFile, `${n}\n`);
    const run = await captureCli(
      ['keystore', 'create', '--out', join(dir, 'n.json'), '--import-key-file', keyFile],
      env,
    );
    assertOneLineError(run, /is not below the secp256k1 curve order n/);
    assert.doesNotMatch(run.stderr, new RegExp(n), 'never echoes the key');
  });

  it('garbage instead of a key', async () => {
    const run = await captureCli(
      ['keystore', 'create', '--out', join(dir, 'g.json'), '--import-key-env', 'KEY'],
      { ...env, KEY: 'my secret words' },
    );
    assertOneLineError(run, /The key in KEY is not hex/);
  });

  it('a dead RPC URL', async () => {
    const port = await getFreePort(); // closed again: nothing listens there
    const run = await captureCli(
      [
        'deploy',
        '--rpc-url',
        `http://127.0.0.1:${port}`,
        '--keystore',
        keystore,
        '--out',
        join(dir, 'd.json'),
      ],
      env,
    );
    assertOneLineError(
      run,
      /Cannot reach the RPC at http:\/\/127\.0\.0\.1:\d+ .*Check the URL and that the node is running/,
    );
  });

  it('a model URL that refuses connections', async () => {
    const port = await getFreePort();
    const modelsDir = join(dir, 'models');
    const run = await captureCli([
      'model',
      'fetch',
      'verinet/tiny-sd',
      '--url',
      `http://127.0.0.1:${port}/`,
      '--models-dir',
      modelsDir,
    ]);
    assertOneLineError(run, /Cannot connect to http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)\. Check the URL/);
  });

  it('a --dir or --models-dir below a file', async () => {
    const below = join(dir, 'a-file', 'sub');
    const devnet = await captureCli(['devnet', '--dir', below]);
    assertOneLineError(devnet, /--dir .*a-file\/sub: .*a-file is a file, so .* cannot be a folder/);
    const list = await captureCli(['model', 'list', '--models-dir', below]);
    assertOneLineError(list, /--models-dir .*a-file is a file/);
    const itself = await captureCli(['model', 'list', '--models-dir', join(dir, 'a-file')]);
    assertOneLineError(itself, /a-file is a file\. Choose a folder path/);
  });

  it('`npm start --fresh` (npm kept the flag) is told to use `npm start -- --fresh` (trial s15)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      // npm sets npm_config_fresh=true for `npm start --fresh`; the held port ends the start right after the note.
      const run = await captureCli(
        [
          'devnet',
          '--port',
          String(port),
          '--dir',
          join(dir, 'fresh-note'),
          ...(await otherDevnetPorts('--port')),
        ],
        { npm_config_fresh: 'true' },
      );
      assert.equal(run.status, 1);
      assert.ok(
        (run.stdout + run.stderr).includes('For a fresh start: `npm start -- --fresh`.'),
        run.stdout + run.stderr,
      );
      const plain = await captureCli([
        'devnet',
        '--port',
        String(port),
        '--dir',
        join(dir, 'fresh-note'),
        ...(await otherDevnetPorts('--port')),
      ]);
      assert.ok(
        !(plain.stdout + plain.stderr).includes('npm start -- --fresh'),
        "no note without npm's flag",
      );
    } finally {
      server.close();
    }
  });

  it('a devnet port held by another program', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    // A folder that was there before, with a file of the user's: kept as it was (the failed start adds nothing).
    const existing = join(dir, 'devnet');
    mkdirSync(existing, { recursive: true });
    writeFileSync(join(existing, 'notes.txt'), 'mine');
    try {
      const run = await captureCli([
        'devnet',
        '--port',
        String(port),
        '--dir',
        existing,
        ...(await otherDevnetPorts('--port')),
      ]);
      assertOneLineError(
        run,
        new RegExp(
          `Port ${port} on 127\\.0\\.0\\.1 is already in use by another program\\. .*--port ${port + 1}`,
        ),
      );
      assert.ok((run.stdout + run.stderr).includes(`\`ss -ltnp 'sport = :${port}'\` shows which`));
      // The suggested command keeps the user's folder (trial s13: without it, it started another devnet) and every port
      // chosen as 0 (s14: --bridge-port 0 was dropped, so the retry took the default 8080).
      // The command ends the line and runs as printed (trial s14: a period glued to it).
      assert.ok(
        (run.stdout + run.stderr).includes(
          `choose other ports: npm start -- --dir ${existing} --relay-port 0 --node-api-port 0 --bridge-port 0 --no-explorer --port ${port + 1}\n`,
        ),
        run.stderr,
      );
      assert.deepEqual(readdirSync(existing), ['notes.txt']);
    } finally {
      server.close();
    }
  });

  it('a service port held by another program: named with its flag, before anything is compiled or started', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const others = await otherDevnetPorts('--bridge-port');
    try {
      const run = await captureCli([
        'devnet',
        '--dir',
        join(dir, 'devnet-bridge-port'),
        ...others,
        '--bridge-port',
        String(port),
      ]);
      assertOneLineError(
        run,
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use .*--bridge-port ${port + 1}`),
      );
      // The note about 0 once, before the command; the command holds no note (trial s14: its "(" broke bash).
      assert.ok(
        (run.stdout + run.stderr).includes(
          `choose other ports (every port flag but --port also takes 0: any free port): npm start -- --dir ${join(dir, 'devnet-bridge-port')} --relay-port 0 --node-api-port 0 --no-explorer ${others.slice(0, 2).join(' ')} --bridge-port ${port + 1}\n`,
        ),
        run.stderr,
      );
      assert.doesNotMatch(run.stdout + run.stderr, /Compiling contracts/);
    } finally {
      server.close();
    }
  });

  it('several devnet ports held: all named in one error, each with its flag', async () => {
    const servers = [createServer(), createServer()];
    for (const server of servers)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const [chainPort, relayPort] = servers.map((server) => (server.address() as { port: number }).port);
    try {
      const run = await captureCli([
        'devnet',
        '--dir',
        join(dir, 'devnet-two-ports'),
        '--port',
        String(chainPort),
        '--relay-port',
        String(relayPort),
        ...(await otherDevnetPorts('--port', '--relay-port')),
      ]);
      assertOneLineError(
        run,
        new RegExp(
          `Ports ${chainPort} \\(--port\\), ${relayPort} \\(--relay-port\\) on 127\\.0\\.0\\.1 are already in use`,
        ),
      );
      assert.match(
        run.stdout + run.stderr,
        new RegExp(`--port ${chainPort! + 1} --relay-port ${relayPort! + 1}`),
      );
      // Trial s12: the \`ss\` hint named only the first port; and the failed start left its folder (with a log).
      assert.ok(
        (run.stdout + run.stderr).includes(
          `\`ss -ltnp '( sport = :${chainPort} or sport = :${relayPort} )'\` shows which`,
        ),
        run.stderr,
      );
      assert.equal(
        existsSync(join(dir, 'devnet-two-ports')),
        false,
        'the folder the failed start created is removed',
      );
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('DEBUG=verinet or --verbose adds the stack', async () => {
    const path = join(dir, 'absent.json');
    const verbose = await captureCli(['keystore', 'address', path, '--verbose'], env);
    assert.equal(verbose.status, 1);
    assert.match(verbose.stderr, /^error: No keystore/);
    assert.match(verbose.stderr, /\n\s+at /);
    const debug = await captureCli(['keystore', 'address', path], { ...env, DEBUG: 'verinet' });
    assert.match(debug.stderr, /\n\s+at /);
  });
});

describe('habits: help, version, ranges, required flags', () => {
  const commandPaths = [
    [],
    ['devnet'],
    ['deploy'],
    ['keystore'],
    ['keystore', 'create'],
    ['keystore', 'address'],
    ['model'],
    ['model', 'fetch'],
    ['model', 'import'],
    ['model', 'list'],
    ['model', 'verify'],
    ['model', 'write-tiny'],
    ['stake-calc'],
  ];
  for (const path of commandPaths) {
    it(`verinet ${[...path, '--help'].join(' ')} prints help and exits 0`, async () => {
      const run = await captureCli([...path, '--help']);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: verinet ${path.join(' ')}`.replace(/ $/, '')));
      assert.equal(run.stderr, '');
    });
  }

  it('--version prints the version', async () => {
    const run = await captureCli(['--version']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('negative numbers reach the range check', async () => {
    assertOneLineError(
      await captureCli(['stake-calc', '--honest', '-5', '--dishonest', '1']),
      /--honest must be an integer from 0 to 10000000, got "-5"/,
    );
    assertOneLineError(
      await captureCli(['devnet', '--port', '-1']),
      /--port must be an integer from 1 to 65535, got "-1"/,
    );
  });

  it('a missing required flag says "is required"', async () => {
    assertOneLineError(
      await captureCli(['stake-calc', '--dishonest', '1']),
      /--honest <H> is required\. Run `verinet stake-calc --help`/,
    );
    assertOneLineError(await captureCli(['deploy', '--keystore', 'k.json']), /--rpc-url <url> is required/);
    assertOneLineError(await captureCli(['model', 'verify']), /MODEL-ID is required/);
  });

  it('an unknown option names the command to ask for help', async () => {
    assertOneLineError(
      await captureCli(['devnet', '--colour']),
      /Unknown option '--colour'\. Run `verinet devnet --help`/,
    );
    // Before the required ones: a mistyped flag is named, not a required flag the line may well hold.
    assertOneLineError(
      await captureCli(['task', 'run', '--bogus']),
      /Unknown option '--bogus'\. Run `verinet task run --help`/,
    );
    // Before the command: said to go after it (the program's own --help does not list it).
    assertOneLineError(
      await captureCli(['--json', 'task', 'list']),
      /Unknown option '--json'\. Options go after the command they belong to, e\.g\. `verinet task list --json`/,
    );
  });
});

describe('stake-calc on odd inputs', () => {
  it('an attacker with 0 nodes has nothing to deter', async () => {
    const run = await captureCli(['stake-calc', '--honest', '90', '--dishonest', '0']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /An attacker with 0 nodes cannot win a validation group: there is nothing to deter/,
    );
    const json = JSON.parse(
      (await captureCli(['stake-calc', '--honest', '9', '--dishonest', '0', '--json'])).stdout,
    );
    assert.equal(json.verdict, 'no-attacker');
    assert.equal(json.requiredStakeWei, null);
  });

  it('a sampling rate of 1e-300 is refused with a reason', async () => {
    assertOneLineError(
      await captureCli(['stake-calc', '--honest', '90', '--dishonest', '10', '--sampling-rate', '1e-300']),
      /--sampling-rate 1e-300 is below 0\.000001: the stake it needs exceeds any token supply/,
    );
  });

  it('a price below 1 wei is refused, not rounded to zero', async () => {
    assertOneLineError(
      await captureCli([
        'stake-calc',
        '--honest',
        '90',
        '--dishonest',
        '10',
        '--task-price',
        '0.0000000000000000001',
      ]),
      /is finer than 1 wei/,
    );
    assertOneLineError(
      await captureCli(['stake-calc', '--honest', '90', '--dishonest', '10', '--task-price', '0']),
      /--task-price must be more than 0/,
    );
  });

  it('amounts carry units, at one precision; --json carries exact wei', async () => {
    const run = await captureCli([
      'stake-calc',
      '--honest',
      '90',
      '--dishonest',
      '10',
      '--task-price',
      '10gwei',
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /task price 0\.00000001 ether/);
    assert.match(run.stdout, /required stake per node: 0\.0000000926471 ether \(9\.26471 task prices\)/);
    const json = JSON.parse(
      (await captureCli(['stake-calc', '--honest', '90', '--dishonest', '10', '--task-price', '1', '--json']))
        .stdout,
    );
    assert.equal(json.requiredStakeWei, '9264711483526947249');
    assert.equal(json.verdict, 'deterred');
  });

  it('fewer than 3 nodes cannot form a validation group', async () => {
    assertOneLineError(
      await captureCli(['stake-calc', '--honest', '1', '--dishonest', '1']),
      /must be at least 3 \(a validation group has 3 nodes\)/,
    );
  });

  it('`devnet --models` of a missing folder is refused before any work (no "Compiling contracts…")', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'verinet-models-'));
    const run = await captureCli([
      'devnet',
      '--models',
      join(scratch, 'nope-models'),
      '--dir',
      join(scratch, 'd'),
    ]);
    rmSync(scratch, { recursive: true, force: true });
    assertOneLineError(run, /--models .*nope-models: no such folder\. Import a model first/);
    assert.equal(run.stdout, '');
  });
});

describe('task run / resume / withdraw: a chain that does not answer is one line naming it and what to do', () => {
  let dir = '';
  let devnet = '';
  let deploymentFile = '';
  let deadPort = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verinet-chain-down-'));
    deadPort = await getFreePort(); // closed again: nothing listens there
    // A devnet whose network file says running (its process, this one, is alive) while its chain is gone: a
    // devnet killed with -9 together with its anvil, or an anvil stopped by hand.
    devnet = join(dir, 'devnet');
    mkdirSync(devnet);
    const network = createTestDevnetNetwork({ dir: devnet, pid: process.pid, running: true });
    writeDevnetNetwork(join(devnet, 'network.json'), {
      ...network,
      rpcUrl: `http://127.0.0.1:${deadPort}`,
      models: { ...network.models, ids: ['verinet/tiny-gpt2'], types: { 'verinet/tiny-gpt2': 'llm' } },
    });
    deploymentFile = join(dir, 'deployment.json');
    const address = `0x${'12'.repeat(20)}`;
    writeFileSync(
      deploymentFile,
      JSON.stringify({
        version: 1,
        chainId: 31337,
        startBlock: 0,
        deployer: address,
        deployedAt: new Date(0).toISOString(),
        contracts: {
          incentivePool: address,
          nodeRegistry: address,
          taskManager: address,
          vrfVerifier: address,
        },
      }),
    );
    writeFileSync(
      join(dir, 'app.json'),
      JSON.stringify(encryptKeystore(testKey, password, { scryptN: 1024 })),
    );
  }, setupTimeout);
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);

  it('the devnet: "is the devnet running? Start it with `npm start`", at once, no retry lines', async () => {
    for (const args of [
      ['task', 'run', '--type', 'llm', '--prompt', 'hi', '--devnet', devnet],
      // Spaces around the model id are no part of it (the devnet holds verinet/tiny-gpt2).
      [
        'task',
        'run',
        '--type',
        'llm',
        '--prompt',
        'hi',
        '--model',
        ' verinet/tiny-gpt2 ',
        '--devnet',
        devnet,
      ],
      ['task', 'resume', '0123abcd', '--devnet', devnet],
      ['task', 'withdraw', '--devnet', devnet],
    ]) {
      const run = await captureCli(args);
      assertOneLineError(
        run,
        new RegExp(
          `^error: The chain at http://127\\.0\\.0\\.1:${deadPort} does not answer: is the devnet running\\? Start it with \`npm start -- --dir .*devnet\`\\.$`,
        ),
      );
      assert.equal(run.stdout, '');
    }
  });

  it('a configured network: the RPC origin (never its path, which can hold an API key) and --rpc-url', async () => {
    const run = await captureCli(
      [
        ...['task', 'run', '--type', 'llm', '--prompt', 'hi', '--model', 'verinet/tiny-gpt2', '--gpu', 'x'],
        ...[
          // Spaces around a URL (a copy-paste) are no part of it.
          '--rpc-url',
          ` http://127.0.0.1:${deadPort}/v3/secret-api-key `,
          '--relay-url',
          'http://127.0.0.1:1 ',
        ],
        ...[
          '--deployment',
          deploymentFile,
          '--keystore',
          join(dir, 'app.json'),
          '--store',
          join(dir, 'tasks.db'),
        ],
      ],
      { VERINET_KEYSTORE_PASSWORD: password },
    );
    assertOneLineError(
      run,
      new RegExp(
        `^error: The chain at http://127\\.0\\.0\\.1:${deadPort} \\(--rpc-url\\) does not answer: check the URL and that the node is up, then try again\\.$`,
      ),
    );
    assert.doesNotMatch(run.stderr, /secret-api-key/);
  });
});

describe('task run: every flag is checked before the devnet is looked for', () => {
  let dir = '';
  let stopped = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'verinet-run-flags-'));
    writeFileSync(join(dir, 'a-file'), 'not a folder\n');
    writeFileSync(join(dir, 'not-json.json'), '[{"role": ');
    // A devnet that was stopped cleanly: its network file says so (pid 1 is alive but `running` is false).
    stopped = join(dir, 'devnet');
    mkdirSync(stopped);
    writeDevnetNetwork(
      join(stopped, 'network.json'),
      createTestDevnetNetwork({ dir: stopped, pid: 1, running: false }),
    );
  }, setupTimeout);
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);

  // Each bad flag with the line it must produce; none of them may be "no devnet" or "not running".
  const cases: [name: string, args: () => string[], message: RegExp][] = [
    [
      'a missing sd prompt',
      () => ['--type', 'sd'],
      /--prompt is required with --type sd\. Describe the image to generate, e\.g\. `--prompt "a lighthouse at dusk"`\.$/,
    ],
    ['an empty prompt', () => ['--type', 'llm', '--prompt', ' '], /--prompt is empty/],
    ['an llm with neither prompt nor messages', () => ['--type', 'llm'], /Give one of --prompt TEXT/],
    [
      'a messages file that is missing',
      () => ['--type', 'llm', '--messages', join(dir, 'absent.json')],
      /--messages .*absent\.json: no such file\. Give the path of a JSON file holding \[/,
    ],
    [
      'a messages path that is a folder',
      () => ['--type', 'llm', '--messages', dir],
      /--messages .*: that is a folder, not a file\. Give the path of a JSON file/,
    ],
    [
      'a messages file that is not JSON',
      () => ['--type', 'llm', '--messages', join(dir, 'not-json.json')],
      /--messages .*not-json\.json is not JSON/,
    ],
    [
      'a size that is not WxH',
      () => ['--type', 'sd', '--prompt', 'a cat', '--size', 'big'],
      /--size must be WIDTHxHEIGHT \(x or X between the two numbers, e\.g\. 512x512\) or one number for a square \(512\), got "big"\. Give e\.g\. `--size 512x512`, or leave --size out for the model's default size\.$/,
    ],
    [
      "a size the schema refuses (the protocol's check, with the model still unknown)",
      () => ['--type', 'sd', '--prompt', 'a cat', '--size', '65x64'],
      /--size 65x64: the width must be a multiple of 8 from 64 to 2048/,
    ],
    [
      'a flag of the other task type',
      () => ['--type', 'llm', '--prompt', 'hi', '--steps', '4'],
      /--steps is for --type sd only, not --type llm/,
    ],
    [
      'an --out that is a file',
      () => ['--type', 'sd', '--prompt', 'a cat', '--out', join(dir, 'a-file')],
      /--out .*a-file: .*a-file is a file\. Choose a folder path/,
    ],
    ['steps out of range', () => ['--type', 'sd', '--prompt', 'a cat', '--steps', '0'], /--steps/],
    ['a negative seed', () => ['--type', 'sd', '--prompt', 'a cat', '--seed', '-1'], /--seed/],
    ['a zero timeout', () => ['--type', 'sd', '--prompt', 'a cat', '--timeout', '0'], /--timeout/],
    [
      'an unknown type',
      () => ['--type', 'video', '--prompt', 'a cat'],
      /--type must be one of sd, llm, got "video"\. `--type sd` generates images, `--type llm` answers a text prompt\.$/,
    ],
  ];
  it('a size written 512X512, 512 x 512 or 512×512, a type in capitals: accepted (the devnet is looked for next)', async () => {
    for (const args of [
      ['--type', 'sd', '--size', '512X512'],
      ['--type', 'sd', '--size', ' 512 x 512 '],
      ['--type', 'sd', '--size', '512×512'],
      ['--type', 'SD', '--size', '256'],
      ['--type', ' Llm '],
    ]) {
      const run = await captureCli([
        'task',
        'run',
        ...args,
        '--prompt',
        'a cat',
        '--devnet',
        join(dir, 'absent'),
      ]);
      assertOneLineError(run, /No devnet folder at .*absent\./);
    }
  });

  for (const [name, args, message] of cases)
    it(`${name}: the flag's own error with no devnet folder and with a stopped devnet`, async () => {
      for (const devnet of [join(dir, 'absent'), stopped]) {
        const run = await captureCli(['task', 'run', ...args(), '--devnet', devnet]);
        assertOneLineError(run, message);
        assert.equal(run.status, 1);
        assert.doesNotMatch(run.stderr, /devnet|not running/i);
      }
    });
});

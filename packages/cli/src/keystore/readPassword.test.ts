import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captureCli } from '../cli/captureCli.js';
import { decryptKeystore } from './keystore.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const bin = resolve(fileURLToPath(import.meta.url), '../../bin.ts');

/**
 * Drives `verinet keystore create` through a real pseudo-terminal (Python's pty module), typing the password
 * twice as a person would, and returns everything the terminal showed.
 */
function typeIntoTerminal(args: string[], lines: string[]): { status: number; screen: string } {
  const script = `
import os, pty, sys, time, json
args, lines = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
screen = b''
def read_until(marker, limit=180):
    global screen
    end = time.time() + limit
    while marker not in screen and time.time() < end:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
for line in lines:
    read_until(b'assword: ')
    os.write(fd, line.encode() + b'\\r')
    screen = screen.replace(b'assword: ', b'assword:_', 1)
read_until(b'\\x00never')
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'status': os.waitstatus_to_exitcode(status), 'screen': screen.decode('utf8', 'replace')}))
`;
  const env = { ...process.env };
  delete env.VERINET_KEYSTORE_PASSWORD;
  const result = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      script,
      JSON.stringify([process.execPath, '--import', 'tsx', bin, ...args]),
      JSON.stringify(lines),
    ],
    { encoding: 'utf8', timeout: 240_000, env },
  );
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { status: number; screen: string };
}

describe('keystore passwords', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'verinet-password-'));
  after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);

  it('are typed without echo on a terminal (as cast wallet import does)', () => {
    const out = join(dir, 'typed.json');
    const secret = 'hunter2-but-longer';
    const { status, screen } = typeIntoTerminal(['keystore', 'create', '--out', out], [secret, secret]);
    assert.equal(status, 0, screen);
    assert.match(screen, /Keystore password:/);
    assert.match(screen, /Repeat the password:/);
    assert.ok(!screen.includes(secret), `the password was echoed:\n${screen}`);
    const keystore = JSON.parse(readFileSync(out, 'utf8'));
    assert.match(decryptKeystore(keystore, secret), /^0x[0-9a-f]{64}$/);
  });

  it('two different entries are refused, and nothing is written', () => {
    const out = join(dir, 'differ.json');
    const { status, screen } = typeIntoTerminal(
      ['keystore', 'create', '--out', out],
      ['one password', 'another'],
    );
    assert.equal(status, 1);
    assert.match(screen, /error: The two passwords differ/);
    assert.equal(existsSync(out), false);
  });

  it('an empty password is refused unless --allow-empty-password', async () => {
    const out = join(dir, 'empty.json');
    const refused = await captureCli(['keystore', 'create', '--out', out], { VERINET_KEYSTORE_PASSWORD: '' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^error: Refusing an empty password: .* pass --allow-empty-password/);
    assert.equal(existsSync(out), false);
    const allowed = await captureCli(
      ['keystore', 'create', '--out', out, '--allow-empty-password', '--json'],
      {
        VERINET_KEYSTORE_PASSWORD: '',
      },
    );
    assert.equal(allowed.status, 0, allowed.stderr);
    const { address } = JSON.parse(allowed.stdout);
    assert.match(address, /^0x[0-9a-fA-F]{40}$/);
    assert.notEqual(address, address.toLowerCase(), 'checksummed');
    assert.match(decryptKeystore(JSON.parse(readFileSync(out, 'utf8')), ''), /^0x/);
  });
});

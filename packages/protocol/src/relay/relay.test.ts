import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, type Hex, hashTypedData } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  argsAvailableTypes,
  EMPTY_BODY_HASH,
  getArgsAvailableDigest,
  getRelayDomain,
  getRelayRequestDigest,
  getResultAvailableDigest,
  hashRelayBody,
  RelayAuthError,
  relayRequestTypes,
  resultAvailableTypes,
  signRelayRequest,
  verifyRelayRequest,
} from './index.js';

const domain = getRelayDomain({ chainId: 31337, taskManager: '0x5FbDB2315678afecb367f032d93F642f64180aa3' });
const account = privateKeyToAccount(generatePrivateKey());
const now = 1_800_000_000;

describe('relay request authentication', () => {
  it('computes the same digest as viem hashTypedData (twice: the second pass hits the method and path cache)', () => {
    for (const [method, path, body] of [
      ['GET', '/v1/info', ''],
      ['PUT', '/v1/args/0x01?salt=0x02&taskType=sd', '{"a":1}'],
      ['POST', '/ünï/çødé', 'x'.repeat(1000)],
      ['GET', '/v1/info', 'y'],
      ['PUT', '/v1/args/0x01?salt=0x02&taskType=sd', '{"a":2}'],
    ] as const) {
      const message = {
        method,
        path,
        bodyHash: hashRelayBody(new TextEncoder().encode(body)),
        timestamp: 1_700_000_000n,
        nonce: `0x${'ab'.repeat(32)}` as Hex,
      };
      const expected = hashTypedData({
        domain,
        types: relayRequestTypes,
        primaryType: 'RelayRequest',
        message,
      });
      assert.equal(bytesToHex(getRelayRequestDigest(domain, message)), expected);
    }
    assert.equal(hashRelayBody(new Uint8Array()), EMPTY_BODY_HASH);
  });

  it("computes the statements' digests as viem hashTypedData does, and a signature of the digest is the typed-data signature", async () => {
    const other = getRelayDomain({
      chainId: 8453,
      taskManager: '0x00000000000000000000000000000000000000ff',
    });
    const words = [`0x${'00'.repeat(32)}`, `0x${'ab'.repeat(32)}`, `0x${'ff'.repeat(32)}`] as Hex[];
    for (const d of [domain, other]) {
      for (const [i, word] of words.entries()) {
        const args = {
          creator: account.address,
          argsCommitment: word,
          expiry: [0n, 1_800_000_000n, 2n ** 64n - 1n][i]!,
        };
        const argsTyped = {
          domain: d,
          types: argsAvailableTypes,
          primaryType: 'ArgsAvailable',
          message: args,
        } as const;
        assert.equal(getArgsAvailableDigest(d, args), hashTypedData(argsTyped));
        const result = { taskKey: word, resultHash: words[(i + 1) % words.length]! };
        const resultTyped = {
          domain: d,
          types: resultAvailableTypes,
          primaryType: 'ResultAvailable',
          message: result,
        } as const;
        assert.equal(getResultAvailableDigest(d, result), hashTypedData(resultTyped));
        assert.equal(
          await account.sign({ hash: getArgsAvailableDigest(d, args) }),
          await account.signTypedData(argsTyped),
        );
        assert.equal(
          await account.sign({ hash: getResultAvailableDigest(d, result) }),
          await account.signTypedData(resultTyped),
        );
      }
    }
    assert.throws(
      () => getArgsAvailableDigest(domain, { creator: account.address, argsCommitment: '0x01', expiry: 1n }),
      /argsCommitment: expected 32 bytes/,
    );
    assert.throws(
      () =>
        getArgsAvailableDigest(domain, {
          creator: account.address,
          argsCommitment: words[0]!,
          expiry: 2n ** 64n,
        }),
      /expiry out of uint64/,
    );
  });

  it('verifies what signRelayRequest signs, and nothing else', async () => {
    const body = new TextEncoder().encode('{"score":"0x00"}');
    const headers = await signRelayRequest({
      signer: account,
      domain,
      method: 'post',
      path: '/v1/x',
      body,
      timestamp: BigInt(now),
    });
    const ok = verifyRelayRequest({ domain, method: 'POST', path: '/v1/x', headers, now });
    assert.equal(ok.address, account.address.toLowerCase());
    assert.equal(ok.bodyHash, hashRelayBody(body));
    const refuse = (overrides: Partial<Parameters<typeof verifyRelayRequest>[0]>, problem: string) =>
      assert.throws(
        () => verifyRelayRequest({ domain, method: 'POST', path: '/v1/x', headers, now, ...overrides }),
        (error: unknown) => error instanceof RelayAuthError && error.problem === problem,
      );
    refuse({ path: '/v1/y' }, 'bad_signature');
    refuse({ method: 'PUT' }, 'bad_signature');
    refuse({ domain: { ...domain, chainId: 1 } }, 'bad_signature');
    refuse({ now: now + 61 }, 'stale');
    refuse({ now: now - 11 }, 'future');
    refuse({ headers: { ...headers, 'x-verinet-signature': undefined } }, 'missing');
    refuse({ headers: { ...headers, 'x-verinet-nonce': '0x12' } }, 'malformed');
    refuse({ headers: { ...headers, 'x-verinet-body-hash': EMPTY_BODY_HASH } }, 'bad_signature');
    const other = privateKeyToAccount(generatePrivateKey());
    refuse({ headers: { ...headers, 'x-verinet-address': other.address } }, 'bad_signature');
  });

  it('signs the same headers from the digest (a local key) as through signTypedData (a wallet)', async () => {
    // A wallet signer knows only signTypedData; a local account also signs the digest itself.
    const wallet = { address: account.address, signTypedData: account.signTypedData };
    for (const [method, path] of [
      ['GET', '/v1/tasks/0x01/args'],
      ['put', '/v1/args/0x02?salt=0x03'],
    ] as const) {
      const request = { domain, method, path, body: new TextEncoder().encode(path), timestamp: BigInt(now) };
      const nonce = `0x${'5a'.repeat(32)}` as const;
      const direct = await signRelayRequest({ ...request, signer: account, nonce });
      assert.deepEqual(direct, await signRelayRequest({ ...request, signer: wallet, nonce }));
      assert.equal(
        verifyRelayRequest({ domain, method: method.toUpperCase(), path, headers: direct, now }).address,
        account.address.toLowerCase(),
      );
    }
  });
});

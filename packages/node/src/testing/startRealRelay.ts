/**
 * The real relay (packages/relay: Fastify, SQLite + files, EIP-712 auth) listening on 127.0.0.1 for the
 * node's tests, and the app's side of it (argument upload, signed like any client).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRelayDomain, signRelayRequest } from '@verinet/protocol/relay';
import type { Address, Hex, LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { buildRelay } from '../../../relay/src/app/buildRelay.js';
import { createRelayContext } from '../../../relay/src/app/createRelayContext.js';
import { createChainReader } from '../../../relay/src/chain/createChainReader.js';
import { relayConfigSchema } from '../../../relay/src/config/relayConfig.js';
import { createSqliteStorage } from '../../../relay/src/storage/sqlite/createSqliteStorage.js';
import type { TestDevnet } from './devnet.js';

export type RealRelay = {
  url: string;
  /** The relay's statement key (set it as the TaskManager's relay signer to make statements count). */
  signer: Address;
  /**
   * The app uploads a task's arguments before createTask and gets the ArgsAvailable statement
   * (`createTestTask`'s `relayStatement` option).
   */
  statementFor: (
    app: LocalAccount,
    taskType: 'sd' | 'llm',
  ) => (
    argsCommitment: Hex,
    bytes: Uint8Array,
    salt: Hex,
  ) => Promise<{ relayExpiry: bigint; relaySignature: Hex }>;
  /** The app uploads a task's arguments (after createTask), signed with its key. */
  uploadArgs: (app: LocalAccount, taskKey: Hex, bytes: Uint8Array, salt: Hex) => Promise<void>;
  stop: () => Promise<void>;
};

export async function startRealRelay(
  devnet: TestDevnet,
  options: { port?: number; signerKey?: Hex } = {},
): Promise<RealRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'verinet-node-relay-'));
  const config = relayConfigSchema.parse({
    rpcUrl: devnet.anvil.rpcUrl,
    port: options.port ?? 0,
    logLevel: 'silent',
    limits: { requestsPerMinute: 1_000_000 },
  });
  const chain = createChainReader({
    rpcUrl: devnet.anvil.rpcUrl,
    chainId: devnet.deployment.chainId,
    taskManager: devnet.deployment.contracts.taskManager,
    startBlock: BigInt(devnet.deployment.startBlock),
    cacheMs: 0,
  });
  const storage = await createSqliteStorage({ dataDir: dir });
  const signer = privateKeyToAccount(options.signerKey ?? generatePrivateKey());
  const context = createRelayContext({ config, storage, chain, signer });
  const app = await buildRelay({ context });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const domain = getRelayDomain({
    chainId: devnet.deployment.chainId,
    taskManager: devnet.deployment.contracts.taskManager,
  });
  return {
    url,
    signer: signer.address,
    statementFor: (app_, taskType) => async (argsCommitment, bytes, salt) => {
      const path = `/v1/args/${argsCommitment}?salt=${salt}&taskType=${taskType}`;
      const headers = await signRelayRequest({ signer: app_, domain, method: 'PUT', path, body: bytes });
      const response = await fetch(`${url}${path}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: Buffer.from(bytes),
      });
      if (!response.ok)
        throw new Error(`argument upload refused: ${response.status} ${await response.text()}`);
      const reply = (await response.json()) as { statement: { expiry: number; signature: Hex } };
      return { relayExpiry: BigInt(reply.statement.expiry), relaySignature: reply.statement.signature };
    },
    async uploadArgs(app_, taskKey, bytes, salt) {
      const path = `/v1/tasks/${taskKey.toLowerCase()}/args?salt=${salt}`;
      for (let attempt = 0; ; attempt++) {
        const headers = await signRelayRequest({ signer: app_, domain, method: 'PUT', path, body: bytes });
        const response = await fetch(`${url}${path}`, {
          method: 'PUT',
          headers: { ...headers, 'content-type': 'application/octet-stream' },
          body: Buffer.from(bytes),
        });
        if (response.ok) return;
        const text = await response.text();
        // The relay may not have seen the TaskCreated block yet.
        if (attempt < 50 && /TASK_UNKNOWN/.test(text)) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        throw new Error(`argument upload refused: ${response.status} ${text}`);
      }
    },
    async stop() {
      await app.close();
      await storage.meta.close();
      await storage.objects.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

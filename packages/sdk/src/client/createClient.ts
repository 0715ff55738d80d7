import { abortTask } from '../actions/abortTask.js';
import { createGroupMembers } from '../actions/createGroupMembers.js';
import { createTask } from '../actions/createTask.js';
import { downloadResult } from '../actions/downloadResult.js';
import { type PrepareTaskParameters, prepareTask } from '../actions/prepareTask.js';
import { resubmitTask } from '../actions/resubmitTask.js';
import { runTask } from '../actions/runTask.js';
import { sampleTask } from '../actions/sampleTask.js';
import { uploadArgs } from '../actions/uploadArgs.js';
import { validateTask } from '../actions/validateTask.js';
import {
  type WaitForReportOptions,
  type WaitForReportReturnType,
  waitForReport,
} from '../actions/waitForReport.js';
import { getOwed, withdraw } from '../actions/withdraw.js';
import { createChainAccess } from '../chain/createChainAccess.js';
import { joinTaskLogFeed } from '../chain/createTaskLogFeed.js';
import { joinChainCache } from '../chain/joinChainCache.js';
import { ConfigurationError } from '../errors/index.js';
import {
  type ChatCompletion,
  type ChatCompletionCreateParameters,
  createChatCompletion,
} from '../high/createChatCompletion.js';
import {
  generateImages,
  type ImagesGenerateParameters,
  type ImagesGenerateResult,
} from '../high/generateImages.js';
import { createRelayClient } from '../relay/createRelayClient.js';
import { createMemoryStore } from '../store/createMemoryStore.js';
import type { CreateClientParameters, RunOptions, TaskEvent, TaskRecord, VerifiedResult } from '../types.js';
import { decodePng } from '../verify/decodePng.js';
import type { SdkContext } from './context.js';
import { createEmitter } from './emit.js';

type StepOptions = { signal?: AbortSignal | undefined };

export type VerinetClient = {
  images: { generate(args: ImagesGenerateParameters, options?: RunOptions): Promise<ImagesGenerateResult> };
  chat: {
    completions: {
      create(params: ChatCompletionCreateParameters, options?: RunOptions): Promise<ChatCompletion>;
    };
  };
  prepareTask(parameters: PrepareTaskParameters): Promise<TaskRecord>;
  uploadArgs(id: string, options?: StepOptions): Promise<TaskRecord>;
  createTask(id: string, options?: StepOptions): Promise<TaskRecord>;
  waitForReport(id: string, options?: WaitForReportOptions): Promise<WaitForReportReturnType>;
  sampleTask(id: string, options?: StepOptions): Promise<{ selected: boolean }>;
  createGroupMembers(id: string, options?: StepOptions): Promise<TaskRecord>;
  validateTask(id: string, options?: StepOptions): Promise<TaskRecord>;
  downloadResult(id: string, options?: StepOptions): Promise<VerifiedResult>;
  abortTask(id: string, options?: StepOptions): Promise<TaskRecord>;
  resubmitTask(id: string, options?: StepOptions): Promise<TaskRecord>;
  runTask(parameters: PrepareTaskParameters | undefined, options?: RunOptions): Promise<VerifiedResult>;
  /** Continues every unfinished task of the store (one at a time); failures are returned, not thrown. */
  resumeTasks(
    options?: RunOptions,
  ): Promise<({ id: string } & ({ result: VerifiedResult } | { error: unknown }))[]>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(filter?: { active?: boolean | undefined }): Promise<TaskRecord[]>;
  getOwed(): Promise<bigint>;
  withdraw(): Promise<{ amount: bigint; txHash: `0x${string}` | null }>;
  /** Every task's progress events; returns the unsubscribe function. */
  on(listener: (event: TaskEvent) => void): () => void;
  /** The app's address. */
  address: `0x${string}`;
  close(): Promise<void>;
};

/**
 * A Verinet client: the application side of the protocol against one deployment and relay.
 *
 * @example
 * import { createClient } from '@verinet/sdk';
 * import { createSqliteStore } from '@verinet/sdk/node';
 * const client = createClient({ chain, relay: 'http://127.0.0.1:7070', account: privateKey, store: createSqliteStore({ path: 'tasks.db' }) });
 * const completion = await client.chat.completions.create({ model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createClient(parameters: CreateClientParameters): VerinetClient {
  const { chain } = parameters;
  if (
    !chain ||
    !Number.isInteger(chain.id) ||
    typeof chain.rpcUrl !== 'string' ||
    !chain.contracts?.taskManager
  )
    throw new ConfigurationError('chain must be { id, rpcUrl, contracts: { taskManager, nodeRegistry } }.', {
      details: ['From a deployment file: getChainFromDeployment(readDeployment(path)).'],
    });
  const relayUrl = typeof parameters.relay === 'string' ? parameters.relay : parameters.relay?.url;
  if (!relayUrl || !/^https?:\/\//.test(relayUrl))
    throw new ConfigurationError(`relay must be the relay's http(s) URL, not ${JSON.stringify(relayUrl)}.`);
  if (!parameters.account)
    throw new ConfigurationError('account is required (a private key, a viem account or { walletClient }).');
  const maxGroupReplacements = parameters.maxGroupReplacements ?? 4;
  if (!Number.isInteger(maxGroupReplacements) || maxGroupReplacements < 0)
    throw new ConfigurationError(
      `maxGroupReplacements must be a whole number ≥ 0, not ${String(parameters.maxGroupReplacements)}.`,
    );
  if (
    parameters.maxDefaultFee !== undefined &&
    (typeof parameters.maxDefaultFee !== 'bigint' || parameters.maxDefaultFee <= 0n)
  )
    throw new ConfigurationError(
      `maxDefaultFee must be a positive bigint (wei), not ${String(parameters.maxDefaultFee)}.`,
    );
  const pollIntervalMs = parameters.pollIntervalMs ?? 1_000;
  const store = parameters.store ?? createMemoryStore();
  // The waits of every client of this process share one HTTP log feed (woken by new heads over WebSocket when the
  // chain has a `wsUrl`, else polling).
  let feed: ReturnType<typeof joinTaskLogFeed> | undefined;
  const access = createChainAccess({
    chain,
    account: parameters.account,
    transport: parameters.transport,
    privateKeyToAccount: parameters.curve?.privateKeyToAccount,
    createHttp: parameters.http?.createTransport,
    pollIntervalMs,
    onWrite: () => feed?.feed.writing(),
    // A createTask the chain went back under is sent again only for a task still open in the store (not one
    // dropped meanwhile: `verinet task drop`, then run again, would pay for it twice).
    isTaskWanted: async (taskKey) => {
      const key = taskKey.toLowerCase();
      const open = await store.listTasks({ active: true });
      return open.some((record) => record.members.some((member) => member.taskKey.toLowerCase() === key));
    },
  });
  feed = joinTaskLogFeed({
    publicClient: access.publicClient,
    taskManager: chain.contracts.taskManager,
    pollIntervalMs,
    rpcUrl: parameters.transport ? undefined : chain.rpcUrl,
    wsUrl: chain.wsUrl,
  });
  // Chain values shared with the process's other clients of this RPC (their reads go where the same transport sends
  // them): a client with its own transport keeps its own.
  const chainCache = joinChainCache(
    parameters.transport ? undefined : `${chain.rpcUrl}|${chain.contracts.taskManager.toLowerCase()}`,
  );
  const listeners: SdkContext['listeners'] = new Set();
  const taskListeners: SdkContext['taskListeners'] = new Map();
  const context: SdkContext = {
    access,
    relay: createRelayClient({
      url: relayUrl,
      signer: access.relaySigner,
      chainId: chain.id,
      taskManager: chain.contracts.taskManager,
      exchange: parameters.http?.exchange,
    }),
    store,
    decodeImage: parameters.decodeImage ?? decodePng,
    fee: parameters.fee,
    maxDefaultFee: parameters.maxDefaultFee,
    requirements: parameters.requirements ?? {},
    pollIntervalMs,
    events: feed.feed,
    feed: feed.feed,
    retry: { attempts: parameters.retry?.attempts ?? 5, baseDelayMs: parameters.retry?.baseDelayMs ?? 500 },
    onTimeout: parameters.onTimeout ?? 'resubmit',
    maxResubmits: parameters.maxResubmits ?? 1,
    maxGroupReplacements,
    vrfKey: parameters.vrfKey,
    vrfCurve: parameters.curve?.vrf,
    checkArgs: parameters.checkArgs,
    emit: createEmitter(listeners, taskListeners),
    listeners,
    taskListeners,
    cache: new Map(),
    chainCache: chainCache.cache,
  };
  return {
    address: access.address,
    images: { generate: (args, options) => generateImages(context, args, options) },
    chat: { completions: { create: (params, options) => createChatCompletion(context, params, options) } },
    prepareTask: (p) => prepareTask(context, p),
    uploadArgs: (id, o) => uploadArgs(context, id, o),
    createTask: (id, o) => createTask(context, id, o),
    waitForReport: (id, o) => waitForReport(context, id, o),
    sampleTask: (id, o) => sampleTask(context, id, o),
    createGroupMembers: (id, o) => createGroupMembers(context, id, o),
    validateTask: (id, o) => validateTask(context, id, o),
    downloadResult: (id, o) => downloadResult(context, id, o),
    abortTask: (id, o) => abortTask(context, id, o),
    resubmitTask: (id, o) => resubmitTask(context, id, o),
    runTask: (p, o) => runTask(context, p, o),
    async resumeTasks(options) {
      const results: ({ id: string } & ({ result: VerifiedResult } | { error: unknown }))[] = [];
      for (const record of await context.store.listTasks({ active: true })) {
        try {
          results.push({
            id: record.id,
            result: await runTask(context, undefined, { ...options, id: record.id }),
          });
        } catch (error) {
          results.push({ id: record.id, error });
        }
      }
      return results;
    },
    getTask: (id) => context.store.getTask(id),
    listTasks: (filter) => context.store.listTasks(filter),
    getOwed: () => getOwed(context),
    withdraw: () => withdraw(context),
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      taskListeners.clear();
      // The shared chain values are released whatever the feed's release does (s14 review: a throw kept them, a
      // stale timeout with them, for the rest of the process).
      try {
        await feed?.release();
      } finally {
        chainCache.release();
        await context.store.close();
      }
    },
  };
}

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckTaskArgs, MemberRecord, TaskRecord, TaskStore, VerinetClient } from '@verinet/sdk';
import { formatEth } from '@verinet/web/format';
import { Command } from 'commander';
import { assertDirectoryPath } from '../cli/assertDirectoryPath.js';
import { CommandError } from '../cli/errors.js';
import { parseChoiceArgument, parseIntegerArgument } from '../cli/options.js';
import { printLine, printNote } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { readDevnetNetworkOrUndefined } from '../devnet/devnetNetwork.js';
import { assertChainAnswers } from '../task/assertChainAnswers.js';
import { buildLlmArgs, buildSdArgs } from '../task/buildTaskArgs.js';
import { checkTaskFlags } from '../task/checkTaskFlags.js';
import { describePhase } from '../task/describePhase.js';
import { describeValidation } from '../task/describeValidation.js';
import { findTaskRecord } from '../task/findTaskRecord.js';
import { followTask, resumeAdvice } from '../task/followTask.js';
import { parseFee } from '../task/parseFee.js';
import { printTaskResult } from '../task/printTaskResult.js';
import { type ChainTaskStates, readChainTaskStates } from '../task/readChainTaskStates.js';
import { resolveTaskNetwork, type TaskNetwork, type TaskNetworkOptions } from '../task/resolveTaskNetwork.js';
import { readTaskResults, recordTaskResults } from '../task/taskResultsFile.js';
import { toTaskFlagError } from '../task/toTaskFlagError.js';

type RunOptions = TaskNetworkOptions & {
  type: 'sd' | 'llm';
  prompt?: string;
  negative?: string;
  steps?: number;
  seed?: number;
  size?: string;
  images?: number;
  messages?: string;
  maxTokens?: number;
  model?: string;
  fee?: bigint;
  out?: string;
  timeout: number;
  json?: boolean;
};

/** Images land here unless --out says otherwise: a folder of their own, not the working folder (often a
 * repository's root); the repository's .gitignore lists it. */
const defaultOutDir = 'verinet-output';

type ReadOptions = TaskNetworkOptions & { json?: boolean; limit: number };

type ResumeOptions = TaskNetworkOptions & { out?: string; timeout: number; json?: boolean };

/** Spaces around a model id or a URL (a copy-paste, a quoted value) are no part of it. */
function trimArgument(value: string): string {
  return value.trim();
}

/** The network options every `verinet task` sub-command takes. */
function networkOptions(command: Command): Command {
  return command
    .option(
      '--devnet <dir>',
      'devnet folder to use (its RPC, relay, deployment and app account)',
      '.verinet/devnet',
    )
    .option('--rpc-url <url>', 'a configured network instead of the devnet: chain RPC', trimArgument)
    .option('--relay-url <url>', 'configured network: relay URL', trimArgument)
    .option('--deployment <file>', 'configured network: deployment file')
    .option(
      '--keystore <file>',
      'configured network: the paying account (password: VERINET_KEYSTORE_PASSWORD or asked)',
    )
    .option('--store <file>', "the app's task database (default: in the devnet folder, or .verinet/app/)")
    .option('--gpu <name>', "GPU an LLM task requires (default: the devnet nodes' GPU, else discovered)")
    .option(
      '--models-dir <dir>',
      "a local copy of the network's models: an LLM prompt is counted with the model's tokenizer and refused before paying when it does not fit the context (default: the devnet's models)",
    );
}

/** The options of the commands that follow a task to its result (`run`, `resume`). */
function resultOptions(command: Command): Command {
  return command
    .option(
      '--out <dir>',
      `sd: folder the images are written to, created if missing (default: ./${defaultOutDir})`,
    )
    .option(
      '--timeout <seconds>',
      'give up waiting after this long (the task goes on: `task status ID` shows it, `task resume ID` finishes it)',
      parseIntegerArgument('--timeout', 1, 86_400),
      3600,
    )
    .option('--json', 'print the result as one JSON document');
}

/** `verinet task run | status | list`: an application's tasks, through the SDK (docs/sdk.md). */
export function createTaskCommand(): Command {
  const task = new Command('task')
    .summary('run a task (image or chat) on the network and follow it; list and inspect tasks')
    .description(
      'Runs Stable Diffusion and LLM tasks as an application does (the SDK: pay, sample, validate, download, check every byte against the chain), against the devnet by default or a configured network.',
    );
  const run = networkOptions(
    task
      .command('run')
      .description(
        'Creates a task and follows every protocol step until the verified result is here: images are written to --out (paths printed), text is printed.',
      )
      .requiredOption(
        '--type <type>',
        'sd or llm',
        parseChoiceArgument(
          '--type',
          ['sd', 'llm'] as const,
          '`--type sd` generates images, `--type llm` answers a text prompt.',
        ),
      )
      .option('--prompt <text>', 'the prompt (sd), or the one user message (llm)')
      .option('--negative <text>', 'sd: negative prompt')
      .option('--steps <n>', 'sd: denoising steps', parseIntegerArgument('--steps', 1, 100))
      .option('--seed <n>', 'seed (sd: of the first image)', parseIntegerArgument('--seed', 0, 2 ** 31 - 1))
      .option(
        '--size <WxH>',
        'sd: image size, e.g. 512x512, or one number for a square (256 is 256x256); multiples of 8, 64…2048',
      )
      .option('--images <n>', 'sd: number of images', parseIntegerArgument('--images', 1, 10))
      .option('--messages <file>', 'llm: JSON file of the chat messages ([{ "role", "content" }, …])')
      .option(
        '--max-tokens <n>',
        'llm: most tokens to generate',
        parseIntegerArgument('--max-tokens', 1, 32_768),
      )
      .option('--model <id>', "model id (default: the devnet's model of that type)", trimArgument)
      .option(
        '--fee <amount>',
        "fee per on-chain task, e.g. 0.001 (ether) or 50gwei (default: the chain's going price, at least its minFee, at most 10 × minFee)",
        parseFee,
      ),
  );
  resultOptions(run).action(async (options: RunOptions) => runTask(options));

  networkOptions(
    task
      .command('status')
      .description(
        "Shows one task from the app's store: its phase, its on-chain tasks and their states (read from the chain while the task is open; `(local record: …)` where the store is behind).",
      )
      .argument('<id>', 'the task id `task run` printed, a unique prefix of it, or its TASK KEY (0x…)')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: ReadOptions) => showTask(id, options));

  const resume = networkOptions(
    task
      .command('resume')
      .description(
        'Finishes a task whose `task run` gave up or was stopped (a timeout, an RPC that stopped answering, Ctrl-C): the SDK continues it from its stored step (wait, sample, validate, download, verify), paying nothing twice, and the result is printed or written as `task run` does.',
      )
      .argument('<id>', 'the task id `task run` printed, a unique prefix of it, or its TASK KEY (0x…)'),
  );
  resultOptions(resume).action(async (id: string, options: ResumeOptions) => resumeTask(id, options));

  networkOptions(
    task
      .command('list')
      .description("Lists the app's tasks, newest first.")
      .option('--limit <n>', 'at most this many', parseIntegerArgument('--limit', 1, 100_000), 20)
      .option('--json', 'print JSON'),
  ).action(async (options: ReadOptions) => listTasks(options));

  networkOptions(
    task
      .command('drop')
      .description(
        'Drops a task that was prepared but never sent (nothing uploaded, nothing paid): it is kept in the store as failed, no longer resumed or listed as pending.',
      )
      .argument('<id>', 'the task id `task list` shows, a unique prefix of it, or its TASK KEY (0x…)')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: ReadOptions) => dropTask(id, options));

  networkOptions(
    task
      .command('withdraw')
      .description(
        'Collects the fees owed back to the paying account (refunds of aborted, errored and group-member tasks).',
      )
      .option('--json', 'print JSON'),
  ).action(async (options: ReadOptions) => withdrawOwed(options));
  return task;
}

/** The SDK's advice speaks to programmers (`call client.withdraw()`); a CLI user runs a command instead. */
function toCliText(text: string): string {
  return text
    .replaceAll('call client.withdraw()', 'run `verinet task withdraw`')
    .replaceAll('client.withdraw()', '`verinet task withdraw`');
}

/** The SDK's error, its advice reworded for the command line (`toCliText`). */
function toCliWording(error: unknown): unknown {
  const details = (error as { details?: unknown }).details;
  if (Array.isArray(details)) {
    for (const [index, detail] of details.entries()) {
      if (typeof detail === 'string') details[index] = toCliText(detail);
    }
  }
  // `formatError` prints the short message and details; `task status` prints a stored message whole.
  if (error instanceof Error) error.message = toCliText(error.message);
  return error;
}

/** An LLM prompt that does not fit the model's context would be paid for and then refused by the node. */
function createPromptCheck(
  modelsDir: string | undefined,
  note: (line: string) => void,
): CheckTaskArgs | undefined {
  if (!modelsDir) return undefined;
  return async ({ type, args }) => {
    if (type !== 'llm') return;
    note("checking prompt  counting its tokens with the model's tokenizer (nothing sent yet)…");
    const { measureChatPrompt } = await import('@verinet/worker/llm');
    const measure = await measureChatPrompt({ modelsDir, args: args as never });
    if (measure && measure.tokens >= measure.maxPositions)
      throw new Error(
        `The prompt is ${measure.atLeast ? 'at least ' : ''}${measure.tokens} tokens; ${(args as { model: string }).model} takes at most ${measure.maxPositions - 1} (its context is ${measure.maxPositions} tokens, prompt and answer together).`,
      );
  };
}

async function openClient(
  network: TaskNetwork,
  note: (line: string) => void = () => {},
): Promise<VerinetClient & { store: TaskStore }> {
  const { createClient, createSqliteStore, getChainFromDeployment } = await import('@verinet/sdk/node');
  const { readDeployment } = await import('@verinet/protocol/chain');
  mkdirSync(dirname(network.storePath), { recursive: true });
  const deployment = readDeployment(network.deploymentFile);
  const store = createSqliteStore({ path: network.storePath });
  const client = createClient({
    chain: getChainFromDeployment(deployment, network.rpcUrl),
    relay: network.relayUrl,
    account: await network.loadKey(),
    store,
    pollIntervalMs: network.kind === 'devnet' ? 200 : 1000,
    checkArgs: createPromptCheck(network.modelsDir, note),
  });
  return Object.assign(client, { store });
}

/**
 * The app's task store alone, for the commands that only read it (and `drop`): the SDK's SQLite store without
 * the SDK's index, which loads viem (seconds of start-up for `task list`). Imported by path because the SDK
 * exports it only with its index (interfaces.md asks for an `@verinet/sdk/store` export).
 */
async function openStore(network: TaskNetwork): Promise<TaskStore> {
  const { createSqliteStore } = await import('../../../sdk/src/store/createSqliteStore.js');
  return createSqliteStore({ path: network.storePath });
}

/** The stand-in model of the flag checks made before the network (and so its models) is known. */
const modelChosenLater = 'model-chosen-later';

/**
 * Every flag's own checks, made before the devnet or network is looked for: a mistyped flag is named as such
 * whether or not a devnet runs (a user fixing the flags first, then starting the devnet, is not told twice).
 * The model is a stand-in here; `runTask` checks the real one against the network.
 */
async function checkRunFlags(options: RunOptions): Promise<void> {
  checkTaskFlags(options, { models: [], modelTypes: {} });
  const draft = { ...options, model: options.model ?? modelChosenLater };
  await checkTaskArgs(options, options.type === 'sd' ? buildSdArgs(draft, []) : buildLlmArgs(draft, []));
  if (options.type === 'sd') assertDirectoryPath('--out', options.out ?? defaultOutDir);
}

/** The task's arguments, checked with the protocol's own validator before anything is sent; its errors name
 * the flag. */
async function checkTaskArgs(options: RunOptions, args: Record<string, unknown>): Promise<void> {
  const { encodeTaskArgs, InvalidTaskArgsError } = await import('@verinet/protocol/args');
  try {
    encodeTaskArgs(options.type, args);
  } catch (error) {
    if (error instanceof InvalidTaskArgsError)
      throw toTaskFlagError(options.type, error, { messagesFile: options.messages, size: options.size });
    throw error;
  }
}

async function runTask(options: RunOptions): Promise<void> {
  await checkRunFlags(options);
  const network = await resolveTaskNetwork(options, true);
  // The devnet says which models its nodes hold and of which type: any other would be refused by the relay
  // after the task was recorded, or by the node after it was paid. (A configured network's relay refuses an
  // unknown model the same way; the record is then marked failed below.)
  checkTaskFlags(options, network);
  // The default model is one of the task's type (by the devnet's record of types, else by its name).
  const typed = network.models.filter((id) => {
    const type = network.modelTypes[id];
    return type === undefined || type === options.type;
  });
  const args = options.type === 'sd' ? buildSdArgs(options, typed) : buildLlmArgs(options, typed);
  await checkTaskArgs(options, args);
  await assertChainAnswers(network);
  const outDir = prepareOutDir(options.type, options.out);
  let preparedId: string | undefined;
  const follow = followTask(network, { timeoutS: options.timeout, onPrepared: (id) => (preparedId = id) });
  follow.note('starting         arguments checked; loading the SDK and the account key…');
  const client = await openClient(network, follow.note);
  const { onProgress, signal } = follow;
  // An account without funds is told so before anything is recorded or uploaded (a new keystore on a configured
  // network: the task would otherwise wait in 'creating' for funds; trial s15).
  const { createPublicClient, http } = await import('viem');
  const balance = await createPublicClient({ transport: http(network.rpcUrl) })
    .getBalance({ address: client.address })
    .catch(() => undefined);
  if (balance === 0n) {
    await client.close();
    throw new CommandError(
      `The account ${client.address} has no funds on this chain: send it enough for the fee and gas, then run the task again (nothing was sent or recorded).`,
    );
  }
  try {
    if (options.type === 'sd') {
      const result = await client.images.generate(args as never, { onProgress, signal, fee: options.fee });
      const images = result.images.map((image) => {
        const path = join(outDir!, `${result.id}-${image.index}.png`);
        writeFileSync(path, image.png);
        return { path, pHash: image.pHash };
      });
      recordTaskResults(
        network.storePath,
        result.id,
        images.map((image) => image.path),
      );
      await printTaskResult(client.store, { base: result, images }, options);
    } else {
      // LLM results are compared exactly, so the task pins one GPU (the devnet's, or --gpu); images run on any.
      const result = await client.chat.completions.create(args as never, {
        onProgress,
        signal,
        fee: options.fee,
        ...(network.gpu ? { requirements: { gpu: network.gpu } } : {}),
      });
      await printTaskResult(
        client.store,
        {
          base: result.verinet,
          text: result.choices[0]?.message.content ?? '',
          finishReason: result.choices[0]?.finish_reason,
          usage: result.usage,
        },
        options,
      );
    }
  } catch (error) {
    const record = await client.store.getTask(preparedId ?? '').catch(() => undefined);
    const explained = await follow.explain(error, preparedId, record);
    await markNeverSent(client.store, preparedId, error);
    throw explained === error ? withResumeAdvice(toCliWording(error), preparedId, record) : explained;
  } finally {
    follow.stop();
    await client.close();
  }
}

/** The images' folder (sd), made before paying: a folder that cannot be created fails now, not after. */
function prepareOutDir(type: string, out: string | undefined): string | undefined {
  if (type !== 'sd') return undefined;
  const outFlag = out ?? defaultOutDir;
  const outDir = assertDirectoryPath('--out', outFlag);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw new CommandError(`--out ${outFlag}: cannot create that folder (${(error as Error).message}).`);
  }
  return outDir;
}

/** An error that left the task open (an RPC that stopped answering, a relay down): say how to finish it. */
function withResumeAdvice(error: unknown, id: string | undefined, record: TaskRecord | undefined): unknown {
  if (!id || !record || record.phase === 'done' || record.phase === 'failed' || record.phase === 'prepared')
    return error;
  const details = (error as { details?: unknown }).details;
  const advice = `The task ${id} is kept: ${resumeAdvice(id, false)}`;
  if (Array.isArray(details)) {
    details.push(advice);
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CommandError(message.split('\n')[0] ?? message, { details: [advice], cause: error });
}

async function resumeTask(ref: string, options: ResumeOptions): Promise<void> {
  const network = await resolveTaskNetwork(options, true);
  await assertChainAnswers(network);
  const follow = followTask(network, { timeoutS: options.timeout });
  const client = await openClient(network, follow.note);
  try {
    const found = await findTaskRecord(client.store, ref, network.storePath);
    const record = await reconcileWithChain(network, client.store, found, follow.note);
    follow.setTaskCreatedAt(record.createdAt);
    if (record.phase === 'failed')
      throw new CommandError(
        `Task ${record.id} failed earlier: ${toCliText(record.error?.message ?? 'unknown error')}`,
        { details: ['Nothing is left to finish: start a new task (`verinet task run`).'] },
      );
    const outDir = prepareOutDir(record.taskType, options.out);
    follow.note(
      `resuming         task ${record.id} (${record.taskType}, ${describePhase(record)}; created ${((Date.now() - record.createdAt) / 1000).toFixed(1)} s ago)`,
    );
    let result: Awaited<ReturnType<VerinetClient['runTask']>>;
    try {
      result = await client.runTask(undefined, {
        id: record.id,
        onProgress: follow.onProgress,
        signal: follow.signal,
      });
    } catch (error) {
      const now = await client.store.getTask(record.id).catch(() => undefined);
      const explained = await follow.explain(error, record.id, now);
      throw explained === error ? withResumeAdvice(toCliWording(error), record.id, now) : explained;
    }
    const base = result.base;
    if (result.taskType === 'sd') {
      const score = base.score.slice(2);
      const images = result.files.map((file, index) => {
        const path = join(outDir!, `${base.id}-${index}.png`);
        writeFileSync(path, file.bytes);
        return { path, pHash: `0x${score.slice(index * 16, index * 16 + 16)}` };
      });
      recordTaskResults(
        network.storePath,
        base.id,
        images.map((image) => image.path),
      );
      await printTaskResult(client.store, { base, images }, options);
      return;
    }
    const body = JSON.parse(new TextDecoder().decode(result.files[0]?.bytes ?? new Uint8Array())) as {
      choices?: { message?: { content?: string }; finish_reason?: string }[];
      usage?: unknown;
    };
    await printTaskResult(
      client.store,
      {
        base,
        text: body.choices?.[0]?.message?.content ?? '',
        finishReason: body.choices?.[0]?.finish_reason,
        usage: body.usage,
      },
      options,
    );
  } finally {
    follow.stop();
    await client.close();
  }
}

/**
 * A task still `prepared` after a failure was refused before anything was uploaded or paid (a relay refusing
 * its model, for one): resuming it could only fail again, so it is recorded as failed rather than left looking
 * alive in `task list`.
 */
async function markNeverSent(store: TaskStore, id: string | undefined, error: unknown): Promise<void> {
  if (id === undefined) return;
  const record = await store.getTask(id).catch(() => undefined);
  if (record?.phase !== 'prepared') return;
  const reason = error instanceof Error ? error.message : String(error);
  await store
    .putTask({
      ...record,
      phase: 'failed',
      error: { name: 'NotSent', message: `not sent, nothing paid: ${reason}` },
      updatedAt: Date.now(),
    })
    .catch(() => {});
}

async function withdrawOwed(options: ReadOptions): Promise<void> {
  const network = await resolveTaskNetwork(options, true);
  await assertChainAnswers(network);
  const client = await openClient(network);
  try {
    const { amount, txHash } = await client.withdraw();
    if (options.json) printJson({ account: client.address, amount: amount.toString(), txHash });
    else if (amount === 0n) printNote(`Nothing is owed to ${client.address}.`);
    else printLine(`withdrew ${formatEth(amount)} to ${client.address} (tx ${txHash})`);
  } finally {
    await client.close();
  }
}

async function showTask(id: string, options: ReadOptions): Promise<void> {
  const network = await resolveTaskNetwork(options, false);
  if (!existsSync(network.storePath))
    throw new CommandError(
      `No task ${id}: no task was run from here yet (${network.storePath} does not exist).`,
      {
        details: ['`verinet task list` shows the ids (each network and devnet folder has its own store).'],
      },
    );
  const store = await openStore(network);
  try {
    const record = await findTaskRecord(store, id, network.storePath);
    // An open task's record moves only while an app follows it: the chain says where it is now. A finished one's
    // is never read again by the SDK: the chain says whether it still has it (it may have gone back under it).
    const chain = record.phase !== 'prepared' ? await readChainTaskStates(network, record) : undefined;
    const results = readTaskResults(network.storePath, record.id);
    if (options.json)
      printJson({ ...summarize(record, true, chain), results: results ?? null, ...describeChainRead(chain) });
    else
      printLine(
        formatRecord(
          record,
          chain,
          results,
          chain?.ok === false && network.kind === 'devnet' && !isDevnetUp(network),
        ),
      );
  } finally {
    await store.close();
  }
}

async function dropTask(ref: string, options: ReadOptions): Promise<void> {
  const network = await resolveTaskNetwork(options, false);
  if (!existsSync(network.storePath))
    throw new CommandError(
      `No task ${ref}: no task was run from here yet (${network.storePath} does not exist).`,
      {
        details: ['`verinet task list` shows the ids (each network and devnet folder has its own store).'],
      },
    );
  const store = await openStore(network);
  try {
    const record = await findTaskRecord(store, ref, network.storePath);
    const id = record.id;
    if (isDropped(record)) {
      if (options.json) printJson({ id, phase: 'failed', dropped: true, alreadyDropped: true });
      else printLine(`task ${id} already dropped`);
      return;
    }
    // A task the chain went back under (every task of it either lost or never created): nothing of it is paid
    // there any more, and nothing will move it; dropping it is the way out (resume refuses it, see resumeTask).
    if (record.phase !== 'prepared') {
      const chain = await readChainTaskStates(network, record);
      if (chain.ok && isLostOnChain(record, chain)) {
        await store.putTask({
          ...record,
          phase: 'failed',
          error: {
            name: 'LostOnChain',
            message: `lost: the chain went back under it (${chain.lost.join(', ')}), nothing of it is paid there; dropped by \`verinet task drop\``,
          },
          updatedAt: Date.now(),
        });
        if (options.json) printJson({ id, phase: 'failed', dropped: true, lostOnChain: chain.lost });
        else printLine(`task ${id} dropped (the chain no longer has it; nothing of it is paid there)`);
        return;
      }
    }
    // Anything past 'prepared' may have an upload or a createTask in flight: dropping it could lose a paid task.
    if (record.phase !== 'prepared') {
      const why = describeNotDroppable(record, await readChainTaskStates(network, record));
      if (why)
        throw new CommandError(`Task ${id} is not dropped: the chain may still hold it.`, { details: [why] });
      throw new CommandError(
        `Task ${id} is ${record.phase}, not a never-sent task: only a task still prepared can be dropped.`,
        {
          details: [
            record.phase === 'done' || record.phase === 'failed'
              ? 'It is finished already.'
              : 'It may have been paid for: follow it with `verinet task status`, or wait for it to end.',
          ],
        },
      );
    }
    await markNeverSent(store, id, new Error('dropped by `verinet task drop`'));
    if (options.json) printJson({ id, phase: 'failed', dropped: true });
    else printLine(`task ${id} dropped (it was never sent; nothing was paid)`);
  } finally {
    await store.close();
  }
}

async function listTasks(options: ReadOptions): Promise<void> {
  const network = await resolveTaskNetwork(options, false);
  if (!existsSync(network.storePath)) {
    // The devnet folder exists (resolveTaskNetwork checked), it has just run no task yet.
    if (options.json) printJson([]);
    else
      printNote(
        `No tasks yet (${network.storePath} does not exist). Run one: verinet task run --type llm --prompt "Say hello"`,
      );
    return;
  }
  const store = await openStore(network);
  try {
    const all = await store.listTasks();
    const records = all.sort((a, b) => b.createdAt - a.createdAt).slice(0, options.limit);
    if (options.json) {
      printJson(records.map((record) => summarize(record, false)));
      return;
    }
    if (records.length === 0) {
      printNote(
        `No tasks yet in ${network.storePath}. Run one: verinet task run --type llm --prompt "Say hello"`,
      );
      return;
    }
    const rows = records.map((record) => [
      record.id,
      record.taskType,
      // 'prepared' reads as under way; such a task has not been sent (`task drop` removes it).
      record.phase === 'prepared' ? 'not sent' : describePhase(record),
      new Date(record.createdAt).toISOString(),
      record.members[0]?.taskKey ?? '',
    ]);
    const header = ['ID', 'TYPE', 'PHASE', 'CREATED', 'TASK KEY'];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
    );
    for (const row of [header, ...rows])
      printLine(
        row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
          .join('  '),
      );
    if (all.length > records.length)
      printNote(`${records.length} of ${all.length} shown, newest first (--limit N to see more)`);
    if (records.some((record) => record.phase === 'done'))
      printNote(
        'PHASE is the local record; a chain that went back (a devnet reloaded from an older save) may have undone a task: `verinet task status ID` reads the chain (LOST, REOPENED).',
      );
    if (records.some((record) => record.phase === 'prepared'))
      printNote(
        'A task "not sent" was never paid for: `verinet task drop ID` removes it from the pending ones.',
      );
  } finally {
    await store.close();
  }
}

/**
 * Whether the chain went back under the task for good: some of its tasks are provably lost (readChainTaskStates)
 * and none of its current ones is still alive there, reopened, behind the RPC's head, or possibly on its way (a
 * createTask being sent may land yet).
 */
function isLostOnChain(record: TaskRecord, chain: ChainTaskStates): boolean {
  if (!chain.ok || chain.lost.length === 0) return false;
  return record.members.every((member) => {
    const key = member.taskKey.toLowerCase();
    if (chain.lost.includes(key)) return true;
    return chain.tasks.get(key)?.state === 'None' && member.sending !== true && member.createTx === undefined;
  });
}

/**
 * What `task resume` does with the chain's view of a task before the SDK follows it:
 * - every task of it lost (the chain went back under it for good): refused, with the way out (`task drop`);
 * - one behind the RPC's head (the chain went back, or the RPC lags): refused at once, nothing concluded;
 * - reopened (the chain went back under its end, not its creation): the record is put back to the step the chain
 *   is at (reported: validate; started or queued: wait for the report), so the SDK's record-driven steps take it
 *   to a verified, paid result again (a record saying `done` would only download, and the relay holds a result
 *   back until it is validated).
 * One with some tasks still live is resumed: it follows the live ones.
 */
async function reconcileWithChain(
  network: TaskNetwork,
  store: TaskStore,
  record: TaskRecord,
  note: (line: string) => void,
): Promise<TaskRecord> {
  if (record.phase === 'prepared' || record.phase === 'failed') return record;
  const chain = await readChainTaskStates(network, record);
  if (!chain.ok) return record;
  if (isLostOnChain(record, chain)) throw lostError(record, chain);
  if (chain.behind.length > 0) {
    const blocks = [...record.members, ...(record.replaced ?? [])]
      .filter((member) => chain.behind.includes(member.taskKey.toLowerCase()))
      .map((member) => Number(member.createdBlock ?? '0'));
    const block = Math.max(0, ...blocks);
    throw new CommandError(
      `Task ${record.id} is not resumed: the chain's head (block ${chain.head}) is below block ${block}, which created ${chain.behind.join(', ')}: the chain went back or the RPC lags; nothing is concluded. Try again once the chain passed block ${block} (\`verinet task status ${record.id}\` shows it).`,
    );
  }
  if (chain.reopened.length === 0) return record;
  const reopen = (member: MemberRecord): MemberRecord => {
    const key = member.taskKey.toLowerCase();
    if (!chain.reopened.includes(key)) return member;
    const state = chain.tasks.get(key)?.state ?? 'None';
    const reported = state === 'ScoreReady' || state === 'ErrorReported';
    return {
      ...member,
      state,
      outcome: undefined,
      ...(reported ? {} : { score: undefined, reportSeed: undefined, errorCode: undefined }),
    };
  };
  const members = record.members.map(reopen);
  const waiting = members.some(
    (member) =>
      !member.state?.startsWith('End') && member.state !== 'ScoreReady' && member.state !== 'ErrorReported',
  );
  const phase = waiting ? 'running' : 'validating';
  const reopened: TaskRecord = {
    ...record,
    phase,
    members,
    replaced: record.replaced?.map(reopen),
    validation: undefined,
    resultKey: undefined,
    error: undefined,
    updatedAt: Date.now(),
  };
  await store.putTask(reopened);
  note(
    `reopened         the chain went back under the end of ${chain.reopened.join(', ')} (${chain.reopened.map((key) => chain.tasks.get(key)?.state).join(', ')}): the task goes on from there (${waiting ? 'wait for the report' : 'validate'}, download)`,
  );
  return reopened;
}

function lostError(record: TaskRecord, chain: Extract<ChainTaskStates, { ok: true }>): CommandError {
  return new CommandError(
    `Task ${record.id} is no longer on the chain: it went back under ${chain.lost.join(', ')} (a devnet's chain reloaded from an older save, or a reorg), so what it paid or got there is undone.`,
    {
      details: [
        `\`verinet task drop ${record.id}\` removes it; \`verinet task run\` with the same flags runs it again (paid again: the first payment was undone with it).`,
      ],
    },
  );
}

/** `task drop` removed it (a never-sent task, or one the chain went back under). */
function isDropped(record: TaskRecord): boolean {
  return (
    record.phase === 'failed' && (record.error?.message.includes('dropped by `verinet task drop`') ?? false)
  );
}

/** Why a task that is not lost for good cannot be dropped: the chain holds it, or its read proves nothing yet. */
function describeNotDroppable(record: TaskRecord, chain: ChainTaskStates): string | undefined {
  if (!chain.ok) return undefined;
  if (chain.behind.length > 0)
    return `The chain's head is below the block that created ${chain.behind.join(', ')}: the RPC is behind (a lagging replica) or the chain went back; nothing is dropped on that read. Try again later, or with another --rpc-url.`;
  if (chain.reopened.length > 0)
    return `The chain went back under the end of ${chain.reopened.join(', ')}, not under its creation: it is live again, its fee held on chain. \`verinet task resume ${record.id}\` follows it to its end.`;
  return undefined;
}

function describeChainRead(chain: ChainTaskStates | undefined) {
  if (!chain) return {};
  if (!chain.ok) return { chainRead: { error: chain.reason } };
  return {
    chainRead: true,
    lostOnChain: chain.lost,
    reopenedOnChain: chain.reopened,
    behindOnChain: chain.behind,
  };
}

/** A member's state as the chain has it, with the local record's when that is behind. */
function describeState(
  member: { taskKey: string; state?: string | undefined; node?: string | undefined },
  chain: ChainTaskStates | undefined,
  missing: string,
): { state: string; node: string | undefined } {
  const local = member.state ?? missing;
  const seen = chain?.ok ? chain.tasks.get(member.taskKey.toLowerCase()) : undefined;
  if (!seen) return { state: local, node: member.node };
  // The chain's None is a task it holds no record of (trial s14 read the raw word as a bug).
  const onChain = seen.state === 'None' ? 'unknown to the chain' : seen.state;
  return {
    state: seen.state === local ? local : `${onChain} (local record: ${local})`,
    node: seen.node ?? member.node,
  };
}

function summarize(record: TaskRecord, withMembers: boolean, chain?: ChainTaskStates) {
  return {
    id: record.id,
    type: record.taskType,
    phase: record.phase,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    sampled: record.sampled ?? null,
    validation: record.validation ?? null,
    resubmits: record.resubmits,
    error: record.error ? { ...record.error, message: toCliText(record.error.message) } : null,
    ...(withMembers
      ? {
          tasks: record.members.map((member) => ({
            role: member.role,
            taskKey: member.taskKey,
            state: member.state ?? null,
            node: member.node ?? null,
            ...(chain?.ok
              ? {
                  chainState: chain.tasks.get(member.taskKey.toLowerCase())?.state ?? null,
                  chainNode: chain.tasks.get(member.taskKey.toLowerCase())?.node ?? null,
                }
              : {}),
            score: member.score ?? null,
            fee: member.fee,
            outcome: member.outcome ?? null,
            createTx: member.createTx ?? null,
          })),
          replacedTasks: (record.replaced ?? []).map((member) => ({
            taskKey: member.taskKey,
            state: member.state ?? null,
            node: member.node ?? null,
            fee: member.fee,
            outcome: member.outcome ?? null,
          })),
          previousTaskKeys: record.previous,
        }
      : { taskKey: record.members[0]?.taskKey ?? null }),
  };
}

/** Whether the devnet `network` was read from runs: its network file says running, and its process is alive. */
function isDevnetUp(network: TaskNetwork): boolean {
  const file = network.devnetNetworkFile;
  const running = file ? readDevnetNetworkOrUndefined(file) : undefined;
  if (!running?.running) return false;
  try {
    process.kill(running.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `devnetDown`: the chain was not read because the devnet does not run (said instead of `task resume`). */
function formatRecord(
  record: TaskRecord,
  chain?: ChainTaskStates,
  results?: string[],
  devnetDown = false,
): string {
  const lines = [
    `task ${record.id} (${record.taskType})`,
    `  phase       ${describePhase(record)}${record.error ? `: ${toCliText(record.error.message)}` : ''}`,
    `  created     ${new Date(record.createdAt).toISOString()}, updated ${new Date(record.updatedAt).toISOString()}`,
    `  sampled     ${describeValidation(record).sampled}`,
  ];
  // An end the chain went back under (lost, or reopened) no longer paid or refunded anything there.
  const outcome = (member: MemberRecord) => {
    if (!member.outcome) return '';
    const key = member.taskKey.toLowerCase();
    const undone = chain?.ok && (chain.lost.includes(key) || chain.reopened.includes(key));
    return `  ${member.outcome}${undone ? ' (undone)' : ''}`;
  };
  for (const member of record.members) {
    const { state, node } = describeState(member, chain, 'not created');
    lines.push(
      `  ${member.role.padEnd(10)}  ${member.taskKey}  ${state}${node ? `  node ${node}` : ''}${outcome(member)}`,
    );
  }
  for (const member of record.replaced ?? []) {
    const { state, node } = describeState(member, chain, '');
    lines.push(
      `  replaced    ${member.taskKey}  ${state}${node ? `  node ${node}` : ''}${outcome(member)} (its node was already in the group)`,
    );
  }
  if (chain && !chain.ok)
    lines.push(`  chain       not read (${chain.reason}): the states above are the local record`);
  // Trial s14: with the chain down, `task resume` was suggested, and could only fail.
  if (devnetDown)
    lines.push(
      `  devnet      not running: \`npm start\` starts it; \`verinet task status ${record.id}\` then reads the chain`,
    );
  if (chain?.ok && chain.behind.length > 0)
    lines.push(
      `  chain       BEHIND: the chain's head is below the block that created ${chain.behind.join(', ')}: the RPC is behind (a lagging replica) or the chain went back; nothing is concluded (\`verinet task status ${record.id}\` again later)`,
    );
  if (chain?.ok && chain.reopened.length > 0)
    lines.push(
      `  chain       REOPENED: the chain went back under the end of ${chain.reopened.join(', ')} (not its creation): live again, its fee held on chain`,
      `  finish      \`verinet task resume ${record.id}\` follows it to its end`,
    );
  const read = chain?.ok ? chain : undefined;
  if (read && isLostOnChain(record, read))
    lines.push(
      `  chain       LOST: the chain went back under ${read.lost.length === 1 ? 'its task' : `${read.lost.length} of its tasks`} (${read.lost.join(', ')}): what the record says it paid or got is undone there`,
      isDropped(record)
        ? '  way out     dropped already; `verinet task run` with the same flags runs it again'
        : `  way out     \`verinet task drop ${record.id}\` removes it; \`verinet task run\` with the same flags runs it again`,
    );
  else if (read && read.lost.length > 0)
    lines.push(
      `  chain       the chain went back under ${read.lost.join(', ')}, its other tasks are live: \`verinet task resume ${record.id}\` follows them`,
    );
  else if (
    chain &&
    !devnetDown &&
    record.phase !== 'done' &&
    record.phase !== 'failed' &&
    !(read && (read.reopened.length > 0 || read.behind.length > 0))
  )
    lines.push(
      `  finish      \`verinet task resume ${record.id}\` follows it from the step it stopped at to the verified result`,
    );
  if (record.previous.length > 0)
    lines.push(`  earlier     ${record.previous.join(', ')} (aborted, resubmitted)`);
  // A task the chain went back under (lost, or its end reopened) has no result to get again until it ends again.
  if (!(read && (isLostOnChain(record, read) || read.reopened.length > 0)))
    lines.push(...describeResults(record, results));
  return lines.join('\n');
}

/** Where a finished task's results are: the files `task run` / `task resume` wrote, or how to get them again. */
function describeResults(record: TaskRecord, results: string[] | undefined): string[] {
  if (results && results.length > 0)
    return results.map(
      (path, index) =>
        `  ${index === 0 ? 'results' : ''}`.padEnd(14) +
        (existsSync(path) ? path : `${path} (no longer there)`),
    );
  if (record.phase !== 'done') return [];
  return [
    record.taskType === 'llm'
      ? `  results     the text \`task run\` printed; \`verinet task resume ${record.id}\` prints it again`
      : `  results     not recorded here; \`verinet task resume ${record.id} --out DIR\` writes the images again`,
  ];
}

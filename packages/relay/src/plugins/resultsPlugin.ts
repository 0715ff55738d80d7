import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { Hex } from 'viem';
import { z } from 'zod';
import type { RelayContext } from '../app/context.js';
import { asUploadStream, checkContentLength } from '../app/readBody.js';
import { signResultAvailable } from '../app/signStatements.js';
import { getKnownTask, getTaskArgs, isNodeAllowed, isTerminal, requireNode } from '../app/taskAccess.js';
import { errorBody, hex32, toRouteSchema } from '../app/zodSchema.js';
import { releasedStates } from '../chain/taskStates.js';
import { RelayError } from '../errors/RelayError.js';
import { checkResultFiles } from '../results/checkResultFiles.js';
import { createPHashPool, type PHashPool, PHashPoolBusyError } from '../results/createPHashPool.js';
import {
  ObjectMissingError,
  ObjectPutError,
  type PutObjectReturnType,
  type ResultRecord,
} from '../storage/types.js';

/** States in which the task's node may upload and commit its result. */
const resultStates = ['Started', 'ScoreReady'] as const;

const fileNamePattern = /^(?:(?:0|[1-9][0-9]?)\.png|result\.json)$/;
const fileSchema = z.object({ name: z.string(), size: z.number(), sha256: z.string() });
const statementSchema = z.object({
  type: z.literal('ResultAvailable'),
  signer: z.string(),
  taskKey: z.string(),
  resultHash: z.string(),
  signature: z.string(),
});
const commitReplySchema = z.object({
  taskKey: z.string(),
  score: z.string(),
  files: z.array(fileSchema),
  statement: statementSchema,
});
const manifestSchema = z.object({ taskKey: z.string(), score: z.string(), files: z.array(fileSchema) });
const e = toRouteSchema(errorBody);
const errors = { 400: e, 401: e, 403: e, 409: e, 411: e, 413: e, 422: e, 425: e };
const scoreSchema = z.string().regex(/^0x([0-9a-fA-F]{2}){1,512}$/, 'expected 0x and 1 to 512 hex bytes');

/** Result files up to this size are downloaded from one buffer rather than a stream (the pack limit). */
const wholeReadBytes = 4 * 1024 * 1024;
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

const sha256Hex = (bytes: Uint8Array): Hex => `0x${createHash('sha256').update(bytes).digest('hex')}`;

function checkName(name: string, taskType: string | undefined, maxFiles: number): void {
  if (!fileNamePattern.test(name))
    throw new RelayError(
      'RESULT_NAME_INVALID',
      `Result file name ${JSON.stringify(name.slice(0, 80))} is not allowed.`,
    );
  const isText = name === 'result.json';
  if (taskType === 'llm' && !isText)
    throw new RelayError('RESULT_NAME_INVALID', 'An LLM result is one file named result.json.');
  if (taskType !== 'llm' && isText)
    throw new RelayError('RESULT_NAME_INVALID', 'An image result is made of 0.png, 1.png, …');
  if (!isText && Number.parseInt(name, 10) >= maxFiles)
    throw new RelayError('RESULT_NAME_INVALID', `At most ${maxFiles} result files per task.`);
}

/**
 * Results: the task's node uploads its files one per request (streamed, raw body) and then commits them with
 * the score it claims; the relay recomputes the score from the files and the arguments, and signs
 * ResultAvailable. The creator downloads them once the chain shows the task validated with the same score.
 */
export const resultsPlugin: FastifyPluginAsync<{
  context: RelayContext;
  pHashPool?: PHashPool | undefined;
}> = async (fastify, { context, pHashPool: givenPool }) => {
  const { config, storage } = context;
  // Result images are hashed on worker threads: a 4-image commit took the event loop ≈ 100 ms before. A pool given
  // by the caller (tests) stays the caller's to close.
  const pHashPool = givenPool ?? createPHashPool();
  if (!givenPool) fastify.addHook('onClose', async () => pHashPool.close());
  /** Per task key: the last commit in line (they run one after another). */
  const commitTurns = new Map<Hex, Promise<void>>();

  fastify.put<{ Params: { taskKey: Hex; name: string } }>(
    '/v1/tasks/:taskKey/result/files/:name',
    {
      config: { auth: true },
      schema: {
        summary: 'Upload one result file (the task node only; raw body, streamed)',
        tags: ['results'],
        consumes: ['application/octet-stream'],
        params: toRouteSchema(z.object({ taskKey: hex32, name: z.string().max(256) })),
        response: { 201: toRouteSchema(fileSchema), 200: toRouteSchema(fileSchema), ...errors },
      },
    },
    async (request, reply) => {
      const taskKey = request.params.taskKey.toLowerCase() as Hex;
      const { name } = request.params;
      const body = asUploadStream(request.body);
      const task = await getKnownTask(context, taskKey, isNodeAllowed(request.signer, resultStates));
      requireNode(task, request.signer, resultStates, 'upload its result');
      checkName(name, task.taskType, config.limits.resultFiles);
      const size = checkContentLength(request.headers['content-length'], config.limits.resultFileBytes);
      const committed = await storage.meta.getResult(taskKey);
      if (committed) {
        const same = committed.files.find((f) => f.name === name);
        if (same && same.sha256 === request.declaredBodyHash) {
          body?.resume();
          return reply.code(200).send({ name, size: same.size, sha256: same.sha256 });
        }
        throw new RelayError(
          'RESULT_COMMITTED',
          'The result was already committed: its files cannot change.',
        );
      }
      let stored: PutObjectReturnType;
      try {
        stored = await storage.objects.put(
          `results/${taskKey}/${randomUUID()}`,
          body ?? new PassThrough().end(),
          {
            maxBytes: config.limits.resultFileBytes,
            expectedSha256: request.declaredBodyHash,
            size,
            // A staged file is named by no statement: acknowledged once written, made durable by the commit's
            // barrier (docs/relay-api.md "Storage": what a 2xx promises).
            durable: false,
          },
        );
      } catch (error) {
        if (error instanceof ObjectPutError) {
          if (error.reason === 'too_large')
            throw new RelayError(
              'RESULT_FILE_TOO_LARGE',
              `${name} is larger than ${config.limits.resultFileBytes} bytes.`,
            );
          if (error.reason === 'hash_mismatch')
            throw new RelayError('BODY_HASH_MISMATCH', `${name}: ${error.message}.`);
          throw new RelayError('INVALID_REQUEST', `${name}: ${error.message}.`);
        }
        throw error;
      }
      const objectKey = stored.key;
      const staged = await storage.meta.upsertStaged(taskKey, {
        name,
        objectKey,
        size: stored.size,
        sha256: stored.sha256,
      });
      if (!staged.staged) {
        // The result was committed while this file streamed in: the committed files stay as they are.
        await storage.objects.delete(objectKey);
        const same = (await storage.meta.getResult(taskKey))?.files.find((f) => f.name === name);
        if (same && same.sha256 === stored.sha256)
          return reply.code(200).send({ name, size: same.size, sha256: same.sha256 });
        throw new RelayError(
          'RESULT_COMMITTED',
          'The result was already committed: its files cannot change.',
        );
      }
      // The replaced object is garbage from here on (no row points at it): deleted while the answer goes out
      // rather than before (unlinking a large file takes tens of milliseconds); if the process dies first,
      // retention removes it as an orphan.
      if (staged.replaced) {
        const replaced = staged.replaced;
        storage.objects
          .delete(replaced)
          .catch((error: unknown) =>
            request.log.warn({ err: error, objectKey: replaced }, 'replaced result object not deleted'),
          );
      }
      context.metrics.bytesIn.inc({ kind: 'result' }, stored.size);
      return reply.code(201).send({ name, ...stored });
    },
  );

  fastify.post<{ Params: { taskKey: Hex }; Body: { score: Hex } }>(
    '/v1/tasks/:taskKey/result/commit',
    {
      config: { auth: true },
      schema: {
        summary: 'Commit the uploaded files with the claimed score; returns the ResultAvailable statement',
        tags: ['results'],
        params: toRouteSchema(z.object({ taskKey: hex32 })),
        body: toRouteSchema(z.strictObject({ score: scoreSchema })),
        response: { 200: toRouteSchema(commitReplySchema), 201: toRouteSchema(commitReplySchema), ...errors },
      },
    },
    async (request, reply) => {
      const taskKey = request.params.taskKey.toLowerCase() as Hex;
      const claimed = request.body.score.toLowerCase() as Hex;
      const task = await getKnownTask(context, taskKey, isNodeAllowed(request.signer, resultStates));
      requireNode(task, request.signer, resultStates, 'commit its result');
      // One commit of a task at a time: the others wait, then find its result (review s9 finding 2: parallel
      // commits of one task each read and decoded every image).
      const endTurn = await takeCommitTurn(taskKey);
      try {
        const existing = await storage.meta.getResult(taskKey);
        if (existing) {
          if (existing.score !== claimed)
            throw new RelayError(
              'RESULT_COMMITTED',
              `The result was committed with score ${existing.score}.`,
            );
          return reply.code(200).send(await commitReply(existing));
        }
        const held = await getTaskArgs(context, taskKey);
        if (!held)
          throw new RelayError(
            'ARGS_NOT_UPLOADED',
            'The relay does not hold the arguments of this task, so it cannot check a result.',
          );
        const staged = await storage.meta.listStaged(taskKey);
        const byName = new Map(staged.map((f) => [f.name, f]));
        const argsBytes = await storage.objects.getBytes(held.args.objectKey, config.limits.argsBytes);
        const lost = (name: string) =>
          new RelayError(
            'RESULT_FILE_LOST',
            `The relay no longer holds the uploaded ${name} whole (lost in a crash before the commit): upload the result files again, then commit.`,
            { retryAfter: 1 },
          );
        const changed = () =>
          new RelayError(
            'RESULT_FILES_CHANGED',
            'A result file was re-uploaded while the commit checked the files: commit again.',
            { retryAfter: 1 },
          );
        const score = await checkResultFiles({
          // Counted from the PNG headers before any decode: a refused result costs no decode work (review s9
          // finding 2).
          reserve: (pixelBytes) => {
            try {
              return pHashPool.reserve(pixelBytes);
            } catch (error) {
              if (error instanceof PHashPoolBusyError)
                throw new RelayError('BUSY', `The relay is busy checking other results (${error.message}).`, {
                  retryAfter: 2,
                });
              throw error;
            }
          },
          hashAll: (pixels) => pHashPool.hashAll(pixels, { reserved: true }),
          taskType: held.args.taskType,
          argsBytes,
          names: staged.map((f) => f.name),
          read: async (name) => {
            const file = byName.get(name)!;
            let bytes: Uint8Array;
            try {
              bytes = await storage.objects.getBytes(file.objectKey, config.limits.resultFileBytes);
            } catch (cause) {
              // A parallel re-upload replaced (and deleted) the object this commit listed.
              const now = (await storage.meta.listStaged(taskKey)).find((f) => f.name === name);
              if (now?.objectKey !== file.objectKey) throw changed();
              if (cause instanceof ObjectMissingError) throw lost(name);
              throw cause;
            }
            // A staged file is acknowledged before it is durable: after a power loss its row may outlive its
            // bytes (gone, cut short or zeroed). Checked against the hash taken at upload, so such a file is
            // asked for again rather than judged (a torn PNG would read as the node's fault).
            if (bytes.length !== file.size || sha256Hex(bytes) !== file.sha256) throw lost(name);
            return bytes;
          },
        });
        if (score !== claimed)
          throw new RelayError('SCORE_MISMATCH', `The files score ${score}, the node claims ${claimed}.`);
        if (task.state === 'ScoreReady') {
          const onChain = await context.chain.getTaskScore(taskKey);
          if (onChain !== undefined && onChain !== score)
            throw new RelayError(
              'SCORE_MISMATCH',
              `The files score ${score}, the node submitted ${onChain} on chain.`,
            );
        }
        // The durability barrier: the checked files reach the disk before the FULL transaction that commits them
        // and before any statement names them. One sync for all of the task's files; concurrent commits share
        // the packs' datasyncs.
        try {
          await storage.objects.sync(staged.map((f) => f.objectKey));
        } catch (cause) {
          if (!(cause instanceof ObjectMissingError)) throw cause;
          const now = await storage.meta.listStaged(taskKey);
          if (staged.some((f) => now.find((g) => g.name === f.name)?.objectKey !== f.objectKey))
            throw changed();
          throw lost(staged.map((f) => f.name).join(', '));
        }
        const result: ResultRecord = { taskKey, score, committedAt: context.now(), files: staged };
        // Commits only the exact objects checked above: a re-upload since then makes this a retryable refusal,
        // so a signed ResultAvailable never points at a replaced (deleted) file.
        const outcome = await storage.meta.commitResult(result);
        for (const key of outcome.unreferenced) await storage.objects.delete(key);
        if (!outcome.committed && outcome.reason === 'changed') throw changed();
        const stored = outcome.committed ? result : await storage.meta.getResult(taskKey);
        if (!stored || stored.score !== score)
          throw new RelayError('RESULT_COMMITTED', 'Another commit of this task won with a different score.');
        return reply.code(outcome.committed ? 201 : 200).send(await commitReply(stored));
      } finally {
        endTurn();
      }
    },
  );

  /** Waits for the task's earlier commits; resolves to the function that lets the next one go. */
  async function takeCommitTurn(taskKey: Hex): Promise<() => void> {
    const previous = commitTurns.get(taskKey);
    let end!: () => void;
    const mine = new Promise<void>((resolve) => {
      end = resolve;
    });
    commitTurns.set(taskKey, mine);
    await previous;
    return () => {
      end();
      if (commitTurns.get(taskKey) === mine) commitTurns.delete(taskKey);
    };
  }

  async function commitReply(result: ResultRecord) {
    return {
      taskKey: result.taskKey,
      score: result.score,
      files: result.files.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      statement: await signResultAvailable(context, result.taskKey, result.score),
    };
  }

  /** The creator, once the chain shows the task validated with the relay's score. */
  async function releasedResult(taskKey: Hex, caller: string | undefined): Promise<ResultRecord> {
    let task = await getKnownTask(context, taskKey);
    if (caller !== task.creator)
      throw new RelayError(
        'NOT_TASK_CREATOR',
        `Only the task's creator ${task.creator} may download its result.`,
      );
    if (!isTerminal(task)) {
      // The cached head may be a block behind the creator's: the latest state decides.
      task = await context.chain.getTask(taskKey, { fresh: true });
      if (!isTerminal(task))
        throw new RelayError(
          'RESULT_NOT_RELEASED',
          `The task is ${task.state}: results are released once it is validated.`,
          {
            retryAfter: config.chain.retryAfterSeconds,
          },
        );
    }
    if (!releasedStates.has(task.state))
      throw new RelayError(
        'RESULT_WITHHELD',
        `The task ended ${task.state}: no validated result to release.`,
      );
    const result = await storage.meta.getResult(taskKey);
    if (!result) throw new RelayError('RESULT_WITHHELD', 'The relay holds no result for this task.');
    const onChain = await context.chain.getTaskScore(taskKey);
    if (onChain !== result.score)
      throw new RelayError(
        'RESULT_WITHHELD',
        `The on-chain score ${onChain ?? '(none)'} differs from the relay's ${result.score}.`,
      );
    return result;
  }

  fastify.get<{ Params: { taskKey: Hex } }>(
    '/v1/tasks/:taskKey/result',
    {
      config: { auth: true },
      schema: {
        summary: "The result's manifest (creator only, once validated on chain)",
        tags: ['results'],
        params: toRouteSchema(z.object({ taskKey: hex32 })),
        response: { 200: toRouteSchema(manifestSchema), ...errors },
      },
    },
    async (request) => {
      const result = await releasedResult(request.params.taskKey.toLowerCase() as Hex, request.signer);
      return {
        taskKey: result.taskKey,
        score: result.score,
        files: result.files.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      };
    },
  );

  fastify.get<{ Params: { taskKey: Hex; name: string } }>(
    '/v1/tasks/:taskKey/result/files/:name',
    {
      config: { auth: true },
      schema: {
        summary: 'Download one result file (creator only, once validated on chain; streamed)',
        description: 'Header x-verinet-sha256 carries the file hash.',
        tags: ['results'],
        params: toRouteSchema(z.object({ taskKey: hex32, name: z.string().max(256) })),
        response: errors,
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!fileNamePattern.test(name))
        throw new RelayError(
          'RESULT_NAME_INVALID',
          `Result file name ${JSON.stringify(name.slice(0, 80))} is not allowed.`,
        );
      const result = await releasedResult(request.params.taskKey.toLowerCase() as Hex, request.signer);
      const file = result.files.find((f) => f.name === name);
      if (!file) throw new RelayError('RESULT_NAME_INVALID', `The result has no file ${name}.`);
      // A small file is read whole and sent as one buffer (one positioned read of its pack, one socket write); a
      // larger one streams. Either way at most `wholeReadBytes` of it is in memory per download.
      let body: Buffer | Readable;
      if (file.size <= wholeReadBytes) {
        body = asBuffer(await storage.objects.getBytes(file.objectKey, file.size));
        if (body.length !== file.size)
          throw new ObjectMissingError(
            `result object ${file.objectKey} holds ${body.length} of ${file.size} bytes`,
          );
      } else body = await storage.objects.get(file.objectKey);
      context.metrics.bytesOut.inc({ kind: 'result' }, file.size);
      return reply
        .header('content-type', name.endsWith('.png') ? 'image/png' : 'application/json')
        .header('content-length', String(file.size))
        .header('x-verinet-sha256', file.sha256)
        .send(body);
    },
  );
};

import type { FastifyPluginAsync } from 'fastify';
import type { Address, Hex } from 'viem';
import { z } from 'zod';
import type { RelayContext } from '../app/context.js';
import { asUploadStream, checkContentLength, readBody } from '../app/readBody.js';
import { signArgsAvailable } from '../app/signStatements.js';
import { getKnownTask, getTaskArgs, isNodeAllowed, isTerminal, requireNode } from '../app/taskAccess.js';
import { errorBody, hex32, toRouteSchema } from '../app/zodSchema.js';
import { storeArgs } from '../args/storeArgs.js';
import { RelayError } from '../errors/RelayError.js';
import type { ArgsRecord } from '../storage/types.js';

/** States in which the task's node may download its arguments. */
const argsStates = ['Started', 'ScoreReady', 'ErrorReported'] as const;

const taskTypeSchema = z.enum(['sd', 'llm', 'sd_ft']);
const statementSchema = z.object({
  type: z.literal('ArgsAvailable'),
  signer: z.string(),
  creator: z.string(),
  argsCommitment: z.string(),
  expiry: z.number(),
  signature: z.string(),
});
const argsReplySchema = z.object({
  argsCommitment: z.string(),
  argsHash: z.string(),
  creator: z.string(),
  taskType: taskTypeSchema,
  size: z.number(),
  expiry: z.number(),
  statement: statementSchema,
});
const errors = {
  400: toRouteSchema(errorBody),
  401: toRouteSchema(errorBody),
  403: toRouteSchema(errorBody),
  409: toRouteSchema(errorBody),
  422: toRouteSchema(errorBody),
  425: toRouteSchema(errorBody),
  429: toRouteSchema(errorBody),
};

async function reply(context: RelayContext, record: ArgsRecord) {
  return {
    argsCommitment: record.argsCommitment,
    argsHash: record.argsHash,
    creator: record.creator,
    taskType: record.taskType,
    size: record.size,
    expiry: record.expiry,
    statement: await signArgsAvailable(context, record),
  };
}

/**
 * Task arguments: upload by the creator before `createTask` (keyed by the argsCommitment it will use, answered
 * with the ArgsAvailable statement) or after it (keyed by the task), download by the task's selected node.
 */
export const argsPlugin: FastifyPluginAsync<{ context: RelayContext }> = async (fastify, { context }) => {
  const { config } = context;

  fastify.put<{
    Params: { argsCommitment: Hex };
    Querystring: { salt: Hex; taskType: 'sd' | 'llm' | 'sd_ft' };
  }>(
    '/v1/args/:argsCommitment',
    {
      config: { auth: true },
      schema: {
        summary: 'Upload arguments before createTask; returns the ArgsAvailable statement',
        tags: ['args'],
        consumes: ['application/octet-stream'],
        params: toRouteSchema(z.object({ argsCommitment: hex32 })),
        querystring: toRouteSchema(z.object({ salt: hex32, taskType: taskTypeSchema })),
        response: { 200: toRouteSchema(argsReplySchema), 201: toRouteSchema(argsReplySchema), ...errors },
      },
    },
    async (request, replyTo) => {
      checkContentLength(request.headers['content-length'], config.limits.argsBytes);
      const bytes = await readBody(
        asUploadStream(request.body),
        config.limits.argsBytes,
        request.declaredBodyHash,
      );
      const { created, record } = await storeArgs(context, {
        creator: request.signer as Address,
        argsCommitment: request.params.argsCommitment,
        salt: request.query.salt,
        taskType: request.query.taskType,
        bytes,
      });
      return replyTo.code(created ? 201 : 200).send(await reply(context, record));
    },
  );

  fastify.put<{ Params: { taskKey: Hex }; Querystring: { salt: Hex } }>(
    '/v1/tasks/:taskKey/args',
    {
      config: { auth: true },
      schema: {
        summary: 'Upload arguments of a created task (checked against its on-chain argsCommitment)',
        tags: ['args'],
        consumes: ['application/octet-stream'],
        params: toRouteSchema(z.object({ taskKey: hex32 })),
        querystring: toRouteSchema(z.object({ salt: hex32 })),
        response: { 200: toRouteSchema(argsReplySchema), 201: toRouteSchema(argsReplySchema), ...errors },
      },
    },
    async (request, replyTo) => {
      const taskKey = request.params.taskKey.toLowerCase() as Hex;
      const task = await getKnownTask(context, taskKey);
      if (task.creator !== request.signer)
        throw new RelayError(
          'NOT_TASK_CREATOR',
          `Only the task's creator ${task.creator} may upload its arguments.`,
        );
      if (isTerminal(task))
        throw new RelayError('TASK_STATE', `The task is ${task.state}: its arguments are no longer needed.`);
      const created = await context.chain.getTaskCreated(taskKey);
      if (!created?.taskType)
        throw new RelayError('TASK_UNKNOWN', `The TaskCreated event of ${taskKey} is not visible yet.`, {
          retryAfter: config.chain.retryAfterSeconds,
        });
      checkContentLength(request.headers['content-length'], config.limits.argsBytes);
      const bytes = await readBody(
        asUploadStream(request.body),
        config.limits.argsBytes,
        request.declaredBodyHash,
      );
      const stored = await storeArgs(context, {
        creator: task.creator,
        argsCommitment: created.argsCommitment,
        salt: request.query.salt,
        taskType: created.taskType,
        bytes,
        taskExists: true,
      });
      await getTaskArgs(context, taskKey);
      return replyTo.code(stored.created ? 201 : 200).send(await reply(context, stored.record));
    },
  );

  fastify.get<{ Params: { taskKey: Hex } }>(
    '/v1/tasks/:taskKey/args',
    {
      config: { auth: true },
      schema: {
        summary: "Download a task's arguments (the task's selected node only)",
        description:
          'Body: the canonical argument bytes. Headers: x-verinet-salt, x-verinet-args-hash, x-verinet-args-commitment, x-verinet-task-type. The node must check them against the on-chain argsCommitment.',
        tags: ['args'],
        params: toRouteSchema(z.object({ taskKey: hex32 })),
        response: errors,
      },
    },
    async (request, replyTo) => {
      const taskKey = request.params.taskKey.toLowerCase() as Hex;
      const task = await getKnownTask(context, taskKey, isNodeAllowed(request.signer, argsStates));
      requireNode(task, request.signer, argsStates, 'download its arguments');
      const held = await getTaskArgs(context, taskKey);
      if (!held)
        throw new RelayError('ARGS_NOT_UPLOADED', "The creator has not uploaded this task's arguments yet.", {
          retryAfter: config.chain.retryAfterSeconds,
        });
      const bytes = await context.storage.objects.getBytes(held.args.objectKey, config.limits.argsBytes);
      context.metrics.bytesOut.inc({ kind: 'args' }, bytes.length);
      return replyTo
        .header('content-type', 'application/json')
        .header('x-verinet-salt', held.args.salt)
        .header('x-verinet-args-hash', held.args.argsHash)
        .header('x-verinet-args-commitment', held.args.argsCommitment)
        .header('x-verinet-task-type', held.args.taskType)
        .send(Buffer.from(bytes));
    },
  );
};

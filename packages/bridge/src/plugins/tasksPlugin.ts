import { parseTaskArgs } from '@verinet/protocol/args';
import type { FastifyPluginAsync } from 'fastify';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { submitJob } from '../jobs/submitJob.js';
import { toJobView } from '../jobs/toJobView.js';
import { drawSeed } from '../openai/drawSeed.js';
import { asObject, refuseEmptyPrompt } from '../openai/readRequest.js';
import { toArgsError } from '../openai/toArgsError.js';
import type { ApiKeyRecord, JobRecord } from '../store/types.js';

const jobId = { type: 'string', pattern: '^job_[0-9a-f]{32}$' } as const;
const idParams = { type: 'object', properties: { id: jobId }, required: ['id'] } as const;

/**
 * Fills what the bridge decides for a native request: the model's hub id and, when none is given, a seed
 * within the schema's range (for images: seed + num_images − 1 ≤ 2^31 − 1). Then checks the task schema.
 */
function prepareArgs(context: BridgeContext, type: 'sd' | 'llm', input: unknown): Record<string, unknown> {
  const args = structuredClone(asObject(input, 'args'));
  const field = type === 'sd' ? 'base_model' : 'model';
  const raw = args[field];
  const name = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : raw;
  const model = context.config.models.find((m) => m.type === type && (m.id === name || m.taskModel === name));
  if (!model)
    throw new BridgeError(
      'model_not_found',
      `The ${type === 'sd' ? 'image' : 'chat'} model ${JSON.stringify(name)} is not offered by this bridge.`,
      {
        param: `args.${field}`,
      },
    );
  if (typeof raw === 'string') args[field] = model.taskModel ?? model.id;
  if (type === 'sd') {
    refuseEmptyPrompt(args.prompt, 'args.prompt');
    const config = (args.task_config ?? {}) as Record<string, unknown>;
    if (typeof config !== 'object' || Array.isArray(config))
      throw new BridgeError('invalid_value', 'args.task_config must be an object.', {
        param: 'args.task_config',
      });
    if (config.seed === undefined) {
      const n =
        typeof config.num_images === 'number' &&
        Number.isInteger(config.num_images) &&
        config.num_images >= 1 &&
        config.num_images <= 10
          ? config.num_images
          : 1;
      args.task_config = { ...config, seed: drawSeed(n) };
    }
  } else if (args.seed === undefined) args.seed = drawSeed();
  try {
    parseTaskArgs(type, args);
  } catch (error) {
    throw toArgsError(error, {}, 'args.');
  }
  return args;
}

const finishedJob = (job: JobRecord) => job.status === 'succeeded' || job.status === 'failed';

async function ownJob(context: BridgeContext, id: string, key: ApiKeyRecord | undefined): Promise<JobRecord> {
  const job = await context.store.getJob(id);
  // Another key's job is reported as missing: ids are not a way to learn about other users.
  if (!job || job.keyId !== key?.id) throw new BridgeError('not_found', `No job ${id} for this API key.`);
  return job;
}

/**
 * The native task API the web UI uses: create a job from task arguments, list this key's jobs, read one with
 * its protocol status and on-chain references, follow it as server-sent events, download its result files.
 */
export const tasksPlugin: FastifyPluginAsync<{ context: BridgeContext }> = async (fastify, { context }) => {
  /** Closers of the open streams: a stopping bridge ends them rather than waiting for their jobs. */
  const open = new Set<() => void>();
  fastify.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });
  fastify.post<{ Body: { type: 'sd' | 'llm'; args: unknown; idempotencyKey?: string } }>(
    '/api/tasks',
    {
      schema: {
        summary: 'Create a job from task arguments (docs/task-args.md)',
        tags: ['tasks'],
        body: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: ['sd', 'llm'] },
            args: { type: 'object' },
            idempotencyKey: { type: 'string', minLength: 1, maxLength: 255 },
          },
          required: ['type', 'args'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { type } = request.body;
      const header = request.headers['idempotency-key'];
      const idempotencyKey = request.body.idempotencyKey ?? (typeof header === 'string' ? header : undefined);
      const args = prepareArgs(context, type, request.body.args);
      const job = await submitJob(context, {
        key: request.apiKey as ApiKeyRecord,
        type,
        args,
        source: 'native',
        idempotencyKey,
        request: request.body,
      });
      return reply.code(202).send(toJobView(job));
    },
  );

  fastify.get<{ Querystring: { limit: number; before?: string } }>(
    '/api/tasks',
    {
      schema: {
        summary: "This API key's jobs, newest first",
        tags: ['tasks'],
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, before: jobId },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const jobs = await context.store.listJobs((request.apiKey as ApiKeyRecord).id, request.query);
      return { data: jobs.map(toJobView) };
    },
  );

  fastify.get<{ Params: { id: string } }>(
    '/api/tasks/:id',
    { schema: { summary: 'One job with its protocol status', tags: ['tasks'], params: idParams } },
    async (request) => toJobView(await ownJob(context, request.params.id, request.apiKey)),
  );

  fastify.get<{ Params: { id: string } }>(
    '/api/tasks/:id/events',
    {
      schema: {
        summary: 'The job as server-sent events, until it finishes',
        tags: ['tasks'],
        params: idParams,
      },
    },
    async (request, reply) => {
      const job = await ownJob(context, request.params.id, request.apiKey);
      // Each stream holds a connection, a watcher and a store poll: bounded per job and per key.
      const leave = finishedJob(job) ? () => {} : context.followers.enter(job.id, job.keyId);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (j: JobRecord) => raw.write(`event: job\ndata: ${JSON.stringify(toJobView(j))}\n\n`);
      send(job);
      if (finishedJob(job)) return raw.end();
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(poll);
        unwatch();
        open.delete(close);
        leave();
        if (!raw.writableEnded) raw.end();
      };
      open.add(close);
      const unwatch = context.runner.watch(job.id, (next) => {
        send(next);
        if (finishedJob(next)) close();
      });
      // Another instance may run the job (PostgreSQL): poll too, and keep the connection alive.
      let last = job.updatedAt;
      const poll = setInterval(async () => {
        const next = await context.store.getJob(job.id).catch(() => undefined);
        if (closed) return;
        if (next && next.updatedAt !== last) {
          last = next.updatedAt;
          send(next);
          if (finishedJob(next)) close();
        } else raw.write(': alive\n\n');
      }, 2000);
      raw.on('close', close);
    },
  );

  fastify.get<{ Params: { id: string; name: string } }>(
    '/api/tasks/:id/files/:name',
    {
      schema: {
        summary: 'A result file (0.png …, result.json)',
        tags: ['tasks'],
        params: {
          type: 'object',
          properties: { id: jobId, name: { type: 'string', pattern: '^(\\d{1,2}\\.png|result\\.json)$' } },
          required: ['id', 'name'],
        },
      },
    },
    async (request, reply) => {
      const job = await ownJob(context, request.params.id, request.apiKey);
      if (job.status !== 'succeeded')
        throw new BridgeError(
          'result_not_ready',
          `Job ${job.id} is ${job.status}: there is no result to download.`,
        );
      const bytes = await context.store.getFile(job.id, request.params.name);
      if (!bytes) throw new BridgeError('not_found', `Job ${job.id} has no file ${request.params.name}.`);
      return reply
        .type(request.params.name.endsWith('.png') ? 'image/png' : 'application/json')
        .send(Buffer.from(bytes));
    },
  );

  fastify.get(
    '/api/models',
    { schema: { summary: 'Models with their task type', tags: ['tasks'] } },
    async () => ({ data: context.config.models.map((m) => ({ id: m.id, type: m.type })) }),
  );

  fastify.get(
    '/api/info',
    { schema: { summary: 'Chain, contracts, relay, wallet', tags: ['tasks'] } },
    async () => context.info,
  );
};

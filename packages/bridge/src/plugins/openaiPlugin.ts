import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { signFileUrl, verifyFileUrl } from '../jobs/signFileUrl.js';
import { submitJob } from '../jobs/submitJob.js';
import { mapChatRequest } from '../openai/mapChatRequest.js';
import { mapImageRequest } from '../openai/mapImageRequest.js';
import { type ChatResult, toChatChunks, toChatCompletion } from '../openai/toChatCompletion.js';
import type { ApiKeyRecord, JobRecord } from '../store/types.js';
import { sendBridgeError } from './errorsPlugin.js';

const anyObject = { type: 'object' } as const;
const modelSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string' },
    created: { type: 'integer' },
    owned_by: { type: 'string' },
  },
} as const;

/** Aborts when the client goes away, or after the wait limit. */
function waitSignal(reply: FastifyReply, seconds: number): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => controller.abort());
  return AbortSignal.any([controller.signal, AbortSignal.timeout(seconds * 1000)]);
}

function failure(context: BridgeContext, job: JobRecord | undefined, id: string): BridgeError {
  if (job?.status === 'failed')
    return new BridgeError(
      'task_failed',
      `The network did not produce a result: ${job.error?.message ?? 'unknown error'} (job ${id}).`,
    );
  if (context.runner.stopping())
    return new BridgeError(
      'not_ready',
      `The bridge is restarting; job ${id} resumes then: retry with the same Idempotency-Key, or read GET /api/tasks/${id}.`,
    );
  return new BridgeError(
    'timeout',
    `The job ${id} is still running; its result will be at GET /api/tasks/${id} (the fee is not charged twice).`,
  );
}

const idempotencyKeyOf = (request: FastifyRequest) => {
  const value = request.headers['idempotency-key'];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The OpenAI-compatible API: /v1/models, /v1/chat/completions (plain and streamed as server-sent events),
 * /v1/images/generations (b64_json and url), and the signed result-file URLs. Requests are mapped onto task
 * arguments (docs/bridge.md), run as jobs, and answered with the verified result.
 */
export const openaiPlugin: FastifyPluginAsync<{ context: BridgeContext }> = async (fastify, { context }) => {
  const { config } = context;
  const models = () =>
    config.models.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: `verinet-${m.type}` }));

  fastify.get(
    '/v1/models',
    {
      schema: {
        summary: 'The models this bridge offers',
        tags: ['openai'],
        response: {
          200: {
            type: 'object',
            properties: { object: { type: 'string' }, data: { type: 'array', items: modelSchema } },
          },
        },
      },
    },
    async () => ({ object: 'list', data: models() }),
  );

  fastify.get<{ Params: { model: string } }>(
    '/v1/models/*',
    { schema: { summary: 'One model', tags: ['openai'], response: { 200: modelSchema } } },
    async (request) => {
      const id = (request.params as Record<string, string>)['*'] ?? '';
      const model = models().find((m) => m.id === id);
      if (!model)
        throw new BridgeError('model_not_found', `The model \`${id}\` does not exist.`, { param: 'model' });
      return model;
    },
  );

  fastify.post(
    '/v1/chat/completions',
    {
      schema: {
        summary: 'Chat completion (stream: true for server-sent events)',
        tags: ['openai'],
        body: anyObject,
      },
    },
    async (request, reply) => {
      const mapped = mapChatRequest(request.body, { models: config.models });
      const job = await submitJob(context, {
        key: request.apiKey as ApiKeyRecord,
        type: 'llm',
        args: mapped.args,
        source: 'openai',
        idempotencyKey: idempotencyKeyOf(request),
        request: request.body,
      });
      reply.header('x-verinet-job-id', job.id);
      const created = Math.floor(job.createdAt / 1000);
      // Retries with the same Idempotency-Key wait for the same job: bounded per job and per key.
      const leave = context.followers.enter(job.id, job.keyId);
      if (!mapped.stream) {
        const done = await context.runner
          .waitForJob(job.id, waitSignal(reply, config.limits.waitSeconds))
          .finally(leave);
        if (done?.status !== 'succeeded') throw failure(context, done, job.id);
        const result = JSON.parse(
          Buffer.from((await context.store.getFile(job.id, 'result.json')) ?? []).toString(),
        ) as ChatResult;
        return toChatCompletion(result, { jobId: job.id, model: mapped.model.id, created });
      }

      // Streaming: headers now (the client learns the job id at once), comments keep the connection alive
      // until the validated result arrives, then the chunks.
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-verinet-job-id': job.id,
      });
      raw.write(`: job ${job.id}\n\n`);
      const keepAlive = setInterval(() => raw.write(': waiting for the network\n\n'), 10_000);
      try {
        const done = await context.runner.waitForJob(job.id, waitSignal(reply, config.limits.waitSeconds));
        if (raw.destroyed) return;
        if (done?.status !== 'succeeded') {
          raw.write(`data: ${JSON.stringify(failure(context, done, job.id).toBody())}\n\n`);
          return;
        }
        const result = JSON.parse(
          Buffer.from((await context.store.getFile(job.id, 'result.json')) ?? []).toString(),
        ) as ChatResult;
        const completion = toChatCompletion(result, { jobId: job.id, model: mapped.model.id, created });
        for (const chunk of toChatChunks(completion, mapped.includeUsage))
          raw.write(`data: ${JSON.stringify(chunk)}\n\n`);
        raw.write('data: [DONE]\n\n');
      } catch (error) {
        request.log.error({ err: error, job: job.id }, 'stream failed');
        if (!raw.destroyed)
          raw.write(
            `data: ${JSON.stringify(new BridgeError('internal_error', 'Internal error in the bridge.').toBody())}\n\n`,
          );
      } finally {
        leave();
        clearInterval(keepAlive);
        raw.end();
      }
    },
  );

  fastify.post(
    '/v1/images/generations',
    { schema: { summary: 'Image generation (Stable Diffusion)', tags: ['openai'], body: anyObject } },
    async (request, reply) => {
      const mapped = mapImageRequest(request.body, { models: config.models });
      const job = await submitJob(context, {
        key: request.apiKey as ApiKeyRecord,
        type: 'sd',
        args: mapped.args,
        source: 'openai',
        idempotencyKey: idempotencyKeyOf(request),
        request: request.body,
      });
      reply.header('x-verinet-job-id', job.id);
      const leave = context.followers.enter(job.id, job.keyId);
      const done = await context.runner
        .waitForJob(job.id, waitSignal(reply, config.limits.waitSeconds))
        .finally(leave);
      if (done?.status !== 'succeeded') throw failure(context, done, job.id);
      const base = config.publicUrl ?? `${request.protocol}://${request.host}`;
      const data = [];
      for (const name of done.files) {
        if (mapped.responseFormat === 'b64_json') {
          const bytes = (await context.store.getFile(job.id, name)) ?? new Uint8Array();
          data.push({ b64_json: Buffer.from(bytes).toString('base64'), revised_prompt: null });
        } else
          data.push({
            url: base + signFileUrl(context.urlSecret, job.id, name, config.limits.imageUrlSeconds),
            revised_prompt: null,
          });
      }
      return { created: Math.floor(done.createdAt / 1000), data };
    },
  );

  fastify.get<{ Params: { job: string; name: string }; Querystring: { expires: number; signature: string } }>(
    '/v1/files/:job/:name',
    {
      schema: {
        summary: 'A result file through a signed URL (no API key)',
        tags: ['openai'],
        params: {
          type: 'object',
          properties: {
            job: { type: 'string', pattern: '^job_[0-9a-f]{32}$' },
            name: { type: 'string', pattern: '^\\d{1,2}\\.png$' },
          },
          required: ['job', 'name'],
        },
        querystring: {
          type: 'object',
          properties: { expires: { type: 'integer' }, signature: { type: 'string', maxLength: 100 } },
          required: ['expires', 'signature'],
        },
      },
    },
    async (request, reply) => {
      const { job, name } = request.params;
      if (!verifyFileUrl(context.urlSecret, job, name, request.query.expires, request.query.signature))
        return sendBridgeError(
          reply,
          new BridgeError('not_found', 'This file URL is invalid or has expired.'),
        );
      const bytes = await context.store.getFile(job, name);
      if (!bytes) return sendBridgeError(reply, new BridgeError('not_found', 'No such file.'));
      return reply
        .type('image/png')
        .header('cache-control', 'private, max-age=3600')
        .send(Buffer.from(bytes));
    },
  );
};

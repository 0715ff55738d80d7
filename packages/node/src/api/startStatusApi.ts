import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import type { ChainWatcher } from '../chain/createChainWatcher.js';
import { getTask, listLog, listOpenTasks, listRecentTasks, type NodeStore } from '../store/index.js';
import { createNodeMetrics } from './createNodeMetrics.js';
import { dashboardHtml } from './dashboard.js';

export type StartStatusApiParameters = {
  store: NodeStore;
  watcher: ChainWatcher;
  node: Address;
  host: string;
  port: number;
  log?: Logger | undefined;
};

const taskSchema = {
  type: 'object',
  properties: {
    taskKey: { type: 'string' },
    taskType: { type: 'integer' },
    step: { type: 'string' },
    outcome: { type: ['string', 'null'] },
    score: { type: ['string', 'null'] },
    fee: { type: ['string', 'null'] },
    errorKind: { type: ['string', 'null'] },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    startedBlock: { type: 'integer' },
    deadlineAt: { type: ['integer', 'null'] },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
  },
} as const;

const errorSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

/**
 * The operator's status API on loopback: `/` (dashboard), `/v1/status`, `/v1/tasks/:taskKey`, `/healthz`,
 * `/metrics` (Prometheus). Read-only; every route has a schema; unknown routes and bad parameters are 4xx
 * with a code and a message.
 *
 * @example
 * const api = await startStatusApi({ store, watcher, node, host: '127.0.0.1', port: 8700 });
 */
export async function startStatusApi(
  parameters: StartStatusApiParameters,
): Promise<{ app: Pick<FastifyInstance, 'close' | 'inject'>; url: string }> {
  const { store, watcher } = parameters;
  const app = Fastify({
    loggerInstance: parameters.log?.child({ component: 'api' }) ?? undefined,
    // Fastify 5.12 deprecates the top-level option (FSTDEP023, printed once per node at npm start).
    logController: new LogController({ disableRequestLogging: true }),
  });
  const metrics = createNodeMetrics(store, watcher);

  app.setErrorHandler((raw, _request, reply) => {
    const error = raw as { statusCode?: number; code?: string; message?: string };
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    reply.code(status).send({
      code: error.code ?? 'INTERNAL',
      message: status === 500 ? 'internal error (see the node log)' : (error.message ?? 'bad request'),
    });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 'NOT_FOUND', message: `No route ${request.method} ${request.url}.` });
  });

  app.get('/', { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(dashboardHtml),
  );
  app.get(
    '/healthz',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { ok: { type: 'boolean' }, chain: { type: 'string' } } },
          503: { type: 'object', properties: { ok: { type: 'boolean' }, chain: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      const status = watcher.status();
      return reply.code(status.rpcOk ? 200 : 503).send({ ok: status.rpcOk, chain: status.summary });
    },
  );
  app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
  app.get(
    '/v1/status',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              node: { type: 'string' },
              chain: {
                type: 'object',
                properties: {
                  summary: { type: 'string' },
                  rpcOk: { type: 'boolean' },
                  head: { type: ['integer', 'null'] },
                  cursor: { type: ['integer', 'null'] },
                  unreachableSince: { type: ['integer', 'null'] },
                  reorgs: { type: 'integer' },
                },
              },
              openTasks: { type: 'array', items: taskSchema },
              recentTasks: { type: 'array', items: taskSchema },
              log: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    time: { type: 'integer' },
                    level: { type: 'string' },
                    message: { type: 'string' },
                    taskKey: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      const chain = watcher.status();
      return {
        node: parameters.node,
        chain: { ...chain, cursor: chain.cursor?.blockNumber ?? null },
        openTasks: listOpenTasks(store),
        recentTasks: listRecentTasks(store, limit),
        log: listLog(store, limit),
      };
    },
  );
  app.get(
    '/v1/tasks/:taskKey',
    {
      schema: {
        params: {
          type: 'object',
          properties: { taskKey: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } },
          required: ['taskKey'],
        },
        response: { 200: taskSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { taskKey } = request.params as { taskKey: `0x${string}` };
      const task = getTask(store, taskKey);
      if (!task)
        return reply
          .code(404)
          .send({ code: 'TASK_UNKNOWN', message: `This node never had task ${taskKey}.` });
      return task;
    },
  );
  const address = await app.listen({ host: parameters.host, port: parameters.port });
  return { app, url: address };
}

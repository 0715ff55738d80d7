// The explorer's read-only HTTP API, served by Ponder next to its indexer. JSON everywhere; token amounts
// and block numbers are decimal strings (they exceed 2^53). Bad parameters get a 400 naming the parameter.

import { db } from 'ponder:api';
import schema from 'ponder:schema';
import { formatVersion, unpackVersion } from '@verinet/protocol/args';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { and, desc, eq, graphql, lt, or } from 'ponder';
import { getAddress } from 'viem';

const app = new Hono();
app.use('/explorer/*', cors({ origin: '*', allowMethods: ['GET'] }));
app.use('/graphql', graphql({ db, schema }));

const hex32 = /^0x[0-9a-fA-F]{64}$/;
const address = /^0x[0-9a-fA-F]{40}$/;

class BadParameterError extends Error {
  constructor(
    readonly parameter: string,
    reason: string,
  ) {
    super(`${parameter}: ${reason}`);
  }
}

/** Columns holding account addresses: Ponder stores them lower-case, people read them EIP-55 checksummed. */
const addressColumns = new Set(['address', 'beneficiary', 'creator', 'node', 'paidTo']);

function toJson(value: unknown, key?: string): unknown {
  // A node's worker version is stored packed (major << 32 | minor << 16 | patch): people read "1.0.0".
  if (typeof value === 'bigint' && key === 'version') return formatVersion(unpackVersion(value));
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && key !== undefined && addressColumns.has(key) && address.test(value))
    return getAddress(value);
  if (Array.isArray(value)) return value.map((item) => toJson(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v, k)]));
  }
  return value;
}

function readLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new BadParameterError('limit', 'must be an integer from 1 to 200');
  }
  return limit;
}

function readBlock(name: string, raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,20}$/.test(raw)) throw new BadParameterError(name, 'must be a block number');
  return BigInt(raw);
}

function readHex(name: string, raw: string, pattern: RegExp, what: string): `0x${string}` {
  if (!pattern.test(raw)) throw new BadParameterError(name, `must be ${what}`);
  return raw.toLowerCase() as `0x${string}`;
}

app.onError((error, c) => {
  if (error instanceof BadParameterError) {
    return c.json(
      { error: { code: 'BAD_PARAMETER', parameter: error.parameter, message: error.message } },
      400,
    );
  }
  console.error(error);
  return c.json({ error: { code: 'INTERNAL', message: 'the explorer failed to answer; see its log' } }, 500);
});

/**
 * The block the indexer has indexed up to: Ponder's own `/status` (its checkpoint), served by this server on its
 * loopback port (VERINET_EXPLORER_PORT, set by startExplorerIndexer; never the request's Host header, which a
 * client chooses: review s15), bounded to 2 s. Undefined without the port: the counters' lastBlock is then used
 * (only the last block with an event of ours, far behind on a quiet chain).
 */
async function readIndexedBlock(): Promise<bigint | undefined> {
  const port = Number(process.env.VERINET_EXPLORER_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) return undefined;
  const status = (await response.json()) as Record<string, { block?: { number?: number } }>;
  const number = Object.values(status)[0]?.block?.number;
  return number === undefined ? undefined : BigInt(number);
}

app.get('/explorer/stats', async (c) => {
  const [row] = await db.select().from(schema.counters).where(eq(schema.counters.id, 'network'));
  const indexed = await readIndexedBlock().catch(() => undefined);
  const nodes = await db.select({ status: schema.node.status }).from(schema.node);
  const active = nodes.filter((n) => n.status !== 0).length;
  const busy = nodes.filter((n) => n.status === 2 || n.status === 4 || n.status === 5).length;
  const openTasks = await db
    .select({ state: schema.task.state })
    .from(schema.task)
    .where(
      or(
        eq(schema.task.state, 'Pending'),
        eq(schema.task.state, 'Queued'),
        eq(schema.task.state, 'Started'),
        eq(schema.task.state, 'ScoreReady'),
        eq(schema.task.state, 'ErrorReported'),
      ),
    );
  return c.json(
    toJson({
      nodesJoined: row?.nodesJoined ?? 0,
      nodesActive: active,
      nodesBusy: busy,
      tasksCreated: row?.tasksCreated ?? 0,
      tasksOpen: openTasks.length,
      tasksPaid: row?.tasksPaid ?? 0,
      tasksRefunded: row?.tasksRefunded ?? 0,
      tasksAborted: row?.tasksAborted ?? 0,
      groupsValidated: row?.groupsValidated ?? 0,
      slashes: row?.slashes ?? 0,
      feesPaid: row?.feesPaid ?? 0n,
      stakeSlashed: row?.stakeSlashed ?? 0n,
      lastBlock: indexed ?? row?.lastBlock ?? 0n,
    }),
  );
});

app.get('/explorer/nodes', async (c) => {
  const rows = await db.select().from(schema.node).orderBy(desc(schema.node.joinedBlock)).limit(1000);
  return c.json(toJson({ nodes: rows }));
});

app.get('/explorer/nodes/:address', async (c) => {
  const key = readHex('address', c.req.param('address'), address, 'a 20-byte 0x address');
  const [row] = await db.select().from(schema.node).where(eq(schema.node.address, key));
  if (!row) return c.json({ error: { code: 'NOT_FOUND', message: `no node ${key} has joined` } }, 404);
  const tasks = await db
    .select()
    .from(schema.task)
    .where(eq(schema.task.node, key))
    .orderBy(desc(schema.task.createdBlock))
    .limit(50);
  const slashes = await db.select().from(schema.slash).where(eq(schema.slash.node, key));
  return c.json(toJson({ node: row, tasks, slashes }));
});

app.get('/explorer/tasks', async (c) => {
  const limit = readLimit(c.req.query('limit'));
  const before = readBlock('before', c.req.query('before'));
  const creatorRaw = c.req.query('creator');
  const creator = creatorRaw ? readHex('creator', creatorRaw, address, 'a 20-byte 0x address') : undefined;
  const rows = await db
    .select()
    .from(schema.task)
    .where(
      and(
        before === undefined ? undefined : lt(schema.task.createdBlock, before),
        creator === undefined ? undefined : eq(schema.task.creator, creator),
      ),
    )
    .orderBy(desc(schema.task.createdBlock))
    .limit(limit);
  return c.json(toJson({ tasks: rows }));
});

app.get('/explorer/tasks/:taskKey', async (c) => {
  const key = readHex('taskKey', c.req.param('taskKey'), hex32, 'a 32-byte 0x task key');
  const [row] = await db.select().from(schema.task).where(eq(schema.task.taskKey, key));
  if (!row) return c.json({ error: { code: 'NOT_FOUND', message: `no task ${key} on chain` } }, 404);
  return c.json(toJson({ task: row }));
});

app.get('/explorer/groups', async (c) => {
  const limit = readLimit(c.req.query('limit'));
  const rows = await db
    .select()
    .from(schema.validationGroup)
    .orderBy(desc(schema.validationGroup.block))
    .limit(limit);
  return c.json(toJson({ groups: rows }));
});

app.get('/explorer/slashes', async (c) => {
  const limit = readLimit(c.req.query('limit'));
  const rows = await db.select().from(schema.slash).orderBy(desc(schema.slash.block)).limit(limit);
  return c.json(toJson({ slashes: rows }));
});

export default app;

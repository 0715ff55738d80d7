/**
 * The baseline of the bench's small requests: a bare Fastify app (no plugins, no hooks, logging off) with one
 * GET route answering a JSON body of about the size of the relay's small answers, in its own process(es) with
 * the relay's worker count. What the relay adds on top of it is the relay's own cost.
 */
import Fastify from 'fastify';
import { serveBenchProcess } from './serveBenchProcess.js';

const { workers } = JSON.parse(process.argv[2] ?? '{}') as { workers?: number };
const body = { status: 'ok', padding: 'x'.repeat(120) };

await serveBenchProcess({
  workers: workers ?? 1,
  start: async () => {
    const app = Fastify({ logger: false });
    app.get('/bare', async () => body);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, stop: () => app.close() };
  },
});

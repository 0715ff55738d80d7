/**
 * `npm run bench:apps`: end-to-end latency of an image request and a chat request through the bridge (the
 * official openai client) on a local network (anvil instant mining, real relay, one real node, tiny models),
 * split into execution time (node selected → score on chain: argument download, the worker, result upload,
 * the score transaction) and protocol time (everything else: job store, createTask, sampling, validation,
 * download and verification), and the time to first token of a streamed chat. Prints run count, median and
 * spread; nothing is dropped.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startBridge } from '../cli/startBridge.js';
import type { JobView } from '../jobs/toJobView.js';
import { startTestNetwork } from '../test/startTestNetwork.js';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const network = await startTestNetwork();
const bridge = await startBridge({
  port: 0,
  rpcUrl: network.devnet.anvil.rpcUrl,
  relayUrl: network.relay.url,
  deploymentFile: network.deploymentFile,
  privateKey: network.walletKey,
  sqlitePath: join(network.dir, 'bridge.db'),
  logLevel: 'silent',
  env: {},
  // As the devnet runs it: prompts are counted against the model's context before paying.
  overrides: { models: network.models, modelsDir: network.modelsDir, pollIntervalMs: 50 },
});
const { key } = await bridge.createApiKey('bench', { requestsPerMinute: 100_000 });
const openai = new OpenAI({ baseURL: `${bridge.url}/v1`, apiKey: key, maxRetries: 0, timeout: 600_000 });
const job = async (id: string | null) =>
  (await (
    await fetch(`${bridge.url}/api/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })
  ).json()) as JobView;

/**
 * Where the time goes, from the job's own timestamps (bridge clock, ms): request sent → job row written (the
 * bridge's intake: HTTP, key, mapping, store), → createTask mined
 * (job row, SDK prepare, argument upload, createTask), → node selected, → score on chain (execution), →
 * validated (report seen, sampling, validation tx), → job succeeded (result download, verification, store),
 * → response received by the client (the bridge's wait and answer). The bridge's own share is toJob and
 * toResponse; the rest is the SDK, the relay, the node and the chain.
 */
type Phases = Record<(typeof phaseNames)[number], number>;
const phaseNames = [
  'toJob',
  'toCreated',
  'toNode',
  'execution',
  'toValidated',
  'toSucceeded',
  'toResponse',
] as const;
type Sample = { total: number; execution: number; protocol: number; ttft?: number; phases?: Phases };

function phasesOf(j: JobView, sentAt: number, receivedAt: number): Phases | undefined {
  const s = j.steps;
  if (!s.created || !s.node || !s.scored || !s.validated) return undefined;
  return {
    toJob: j.createdAt - sentAt,
    toCreated: s.created.at - j.createdAt,
    toNode: s.node.at - s.created.at,
    execution: s.scored.at - s.node.at,
    toValidated: s.validated.at - s.scored.at,
    toSucceeded: j.updatedAt - s.validated.at,
    toResponse: receivedAt - j.updatedAt,
  };
}
const samples: Record<string, Sample[]> = { image: [], chat: [], 'chat (stream)': [] };

/** The sample of one request, from the client's clock and the job's own timestamps. */
async function sampleOf(t0: number, sentAt: number, response: Response, ttft?: number): Promise<Sample> {
  const total = performance.now() - t0;
  const receivedAt = Date.now();
  const j = await job(response.headers.get('x-verinet-job-id'));
  const execution = j.timings?.executionMs ?? Number.NaN;
  return {
    total,
    execution,
    protocol: total - execution,
    ...(ttft === undefined ? {} : { ttft }),
    phases: phasesOf(j, sentAt, receivedAt),
  };
}

async function measure(send: () => Promise<{ response: Response }>): Promise<Sample> {
  const t0 = performance.now();
  const sentAt = Date.now();
  const { response } = await send();
  return sampleOf(t0, sentAt, response);
}

const image = (seed: number) =>
  measure(() =>
    openai.images
      .generate({
        model: 'tiny-sd',
        prompt: 'a lighthouse',
        size: '64x64',
        steps: 4,
        seed,
        response_format: 'b64_json',
      } as never)
      .withResponse(),
  );

const chat = (seed: number) =>
  measure(() =>
    openai.chat.completions
      .create({
        model: 'tiny-chat',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0,
        max_tokens: 8,
        seed,
      })
      .withResponse(),
  );

async function chatStream(seed: number): Promise<Sample> {
  const t0 = performance.now();
  const sentAt = Date.now();
  const { data: stream, response } = await openai.chat.completions
    .create({
      model: 'tiny-chat',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0,
      max_tokens: 8,
      seed,
      stream: true,
    })
    .withResponse();
  let ttft: number | undefined;
  for await (const chunk of stream)
    if (ttft === undefined && chunk.choices[0]?.delta.content) ttft = performance.now() - t0;
  return sampleOf(t0, sentAt, response, ttft ?? performance.now() - t0);
}

const formatLoad = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
const loadAtStart = formatLoad();
// Warm-up (worker start and model load on the node), not counted.
await image(1);
await chat(1);
for (let i = 0; i < runs; i++) {
  samples.image?.push(await image(100 + i));
  samples.chat?.push(await chat(100 + i));
  samples['chat (stream)']?.push(await chatStream(200 + i));
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return (sorted[lo] as number) + ((sorted[Math.ceil(at)] as number) - (sorted[lo] as number)) * (at - lo);
};
const fmt = (values: number[]) =>
  `p50 ${quantile(values, 0.5).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`;
console.log(
  `bench:apps — ${runs} runs per request after 1 warm-up; anvil automine; 1 node; tiny models; 2 cores shared`,
);
console.log(`load average (1/5/15 min) at start ${loadAtStart}, at end ${formatLoad()}`);
for (const [name, list] of Object.entries(samples)) {
  console.log(`${name}:`);
  console.log(`  end to end   ${fmt(list.map((s) => s.total))}`);
  console.log(`  execution    ${fmt(list.map((s) => s.execution))}   (node selected → score on chain)`);
  console.log(`  protocol     ${fmt(list.map((s) => s.protocol))}   (end to end − execution)`);
  if (list[0]?.ttft !== undefined) console.log(`  first token  ${fmt(list.map((s) => s.ttft as number))}`);
  const phased = list.flatMap((s) => (s.phases ? [s.phases] : []));
  if (phased.length > 0)
    console.log(
      `  phases p50 (n=${phased.length}): ${phaseNames
        .map(
          (p) =>
            `${p} ${quantile(
              phased.map((x) => x[p]),
              0.5,
            ).toFixed(0)}`,
        )
        .join(', ')} ms`,
    );
  const ratio = list.map((s) => s.protocol / s.total);
  console.log(`  protocol share of end to end: p50 ${(quantile(ratio, 0.5) * 100).toFixed(0)}%`);
}
await bridge.close();
await network.stop();

/**
 * `npm run bench:node`: the latency the node daemon adds over the worker's own execution time, for one LLM task
 * with the tiny GPT-2 on a local anvil with instant mining: from the block holding createTask (the chain watch
 * starts there) to the node's submitScore receipt, minus the worker's run measured in the same task.
 * BENCH_RUNS (default 10) tasks after one warm-up; prints median, min, max and p90.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { parseEther } from 'viem';
import { getTask } from '../store/index.js';
import { createTestTask, joinTestNode, validateTestTask } from '../testing/app.js';
import { createMemoryRelay } from '../testing/createMemoryRelay.js';
import { startTestDevnet, waitFor } from '../testing/devnet.js';
import { startTestNode } from '../testing/startTestNode.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const root = mkdtempSync(join(tmpdir(), 'verinet-bench-node-'));
const modelsDir = join(root, 'models');
await writeTinyGpt2({ modelsDir });
const devnet = await startTestDevnet();
const relay = createMemoryRelay();
try {
  await joinTestNode(devnet, 1, ['base:verinet/tiny-gpt2']);
  const node = await startTestNode({ devnet, index: 1, relay, dataDir: join(root, 'node'), modelsDir });
  // The worker's own time, measured around the supervisor call the daemon makes.
  const workerMs = new Map<string, number>();
  const run = node.worker.run.bind(node.worker);
  node.worker.run = async (task) => {
    const start = performance.now();
    try {
      return await run(task);
    } finally {
      workerMs.set(String(task.requestId).toLowerCase(), performance.now() - start);
    }
  };
  const totals: number[] = [];
  const workers: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const task = await createTestTask(
      devnet,
      15,
      'llm',
      {
        model: 'verinet/tiny-gpt2',
        messages: [{ role: 'user', content: `bench ${i}` }],
        generation_config: { max_new_tokens: 4 },
      },
      parseEther('0.01'),
    );
    const mined = performance.now();
    relay.putArgs(task.taskKey, task.bytes, task.salt);
    await waitFor(() => getTask(node.store, task.taskKey)?.step === 'reported', 120_000, 'reported');
    const total = performance.now() - mined;
    if (i > 0) {
      totals.push(total);
      workers.push(workerMs.get(task.taskKey.toLowerCase()) ?? Number.NaN);
    }
    await validateTestTask(devnet, 15, task.taskKey);
  }
  await node.stop();
  const overheads = totals.map((t, i) => t - workers[i]!);
  const stats = (values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
    return `median ${at(0.5).toFixed(0)} ms, min ${s[0]!.toFixed(0)}, max ${s[s.length - 1]!.toFixed(0)}, p90 ${at(0.9).toFixed(0)}`;
  };
  console.log(
    `bench:node — ${runs} LLM tasks (tiny GPT-2, 4 tokens), anvil instant mining, 1 warm-up not counted`,
  );
  console.log(`createTask mined -> submitScore mined: ${stats(totals)}`);
  console.log(`worker run (same tasks):               ${stats(workers)}`);
  console.log(`node overhead (difference per task):   ${stats(overheads)}`);
  console.log(
    `load average at the end: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await devnet.stop();
  rmSync(root, { recursive: true, force: true });
}

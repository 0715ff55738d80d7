import cluster from 'node:cluster';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * The IPC side of a bench server process (benchRelayServer.ts, bareFastifyServer.ts). The bench sends
 * `{ type }` messages and gets one answer of the same type:
 * - `cpu` → `{ micros, systemMicros }`: user + system (and system alone) CPU time of the server so far (all its
 *   processes);
 * - `peakStart` / `peakStop` → `{ rss, peak }` in bytes: the kernel's high-water mark (VmHWM, reset through
 *   /proc/self/clear_refs) or, where that is unavailable, RSS sampled every 2 ms; summed over processes;
 * - `profileStart` / `profileStop` (with `dir` and `name`): a V8 CPU profile of this process between the two,
 *   written to `dir/name.<pid>.cpuprofile` (one measured loop alone, without start-up or other phases);
 * - `stop` → the process exits once `stop` resolved.
 * With `workers` > 1 this process is a node:cluster primary: each worker runs `start` and listens on the same
 * port (as the relay's own `workers` setting does), and the answers are sums over the workers.
 */
export async function serveBenchProcess(parameters: {
  workers: number;
  start: () => Promise<{ url: string; info?: Record<string, unknown>; stop: () => Promise<void> }>;
}): Promise<void> {
  if (parameters.workers > 1 && cluster.isPrimary) return servePrimary(parameters.workers);
  const { url, info, stop } = await parameters.start();
  let sampled = 0;
  let sampler: NodeJS.Timeout | undefined;
  let kernelPeak = false;
  let profiler: Session | undefined;
  process.on('message', async (message: { type: string; dir?: string; name?: string }) => {
    if (message.type === 'profileStart') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      process.send?.({ type: 'profileStart' });
    } else if (message.type === 'profileStop') {
      // A loop that did not run (--skip-whole) started no profile: nothing to write.
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        profiler = undefined;
        writeFileSync(
          join(message.dir!, `${message.name}.${process.pid}.cpuprofile`),
          JSON.stringify(profile),
        );
      }
      process.send?.({ type: 'profileStop' });
    } else if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: usage.user + usage.system, systemMicros: usage.system });
    } else if (message.type === 'peakStart') {
      global.gc?.();
      try {
        writeFileSync('/proc/self/clear_refs', '5');
        kernelPeak = readStatus('VmHWM') !== undefined;
      } catch {
        kernelPeak = false;
      }
      const rss = process.memoryUsage().rss;
      sampled = rss;
      sampler = setInterval(() => {
        sampled = Math.max(sampled, process.memoryUsage().rss);
      }, 2);
      process.send?.({ type: 'peakStart', rss, peak: rss });
    } else if (message.type === 'peakStop') {
      clearInterval(sampler);
      const rss = process.memoryUsage().rss;
      const peak = Math.max(sampled, rss, (kernelPeak ? readStatus('VmHWM') : undefined) ?? 0);
      process.send?.({ type: 'peakStop', rss, peak });
    } else if (message.type === 'stop') {
      void stop().then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'listening', url, ...info });
}

function readStatus(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function servePrimary(count: number): Promise<void> {
  const workers = Array.from({ length: count }, () => cluster.fork());
  const first = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          worker.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
          worker.once('message', resolve);
        }),
    ),
  );
  const ask = (type: string, extra: Record<string, unknown>) =>
    Promise.all(
      workers.map(
        (worker) =>
          new Promise<Record<string, number>>((resolve) => {
            const onMessage = (message: Record<string, number> & { type: string }) => {
              if (message.type !== type) return;
              worker.off('message', onMessage);
              resolve(message);
            };
            worker.on('message', onMessage);
            worker.send({ ...extra, type });
          }),
      ),
    );
  const sum = (answers: Record<string, number>[], field: string) =>
    answers.reduce((total, answer) => total + (answer[field] ?? 0), 0);
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'stop') {
      await Promise.all(
        workers.map((worker) => {
          const exited = new Promise((resolve) => worker.once('exit', resolve));
          worker.send({ type: 'stop' });
          return exited;
        }),
      );
      process.exit(0);
    }
    const answers = await ask(message.type, message);
    const own = process.cpuUsage();
    process.send?.({
      type: message.type,
      micros: sum(answers, 'micros') + own.user + own.system,
      systemMicros: sum(answers, 'systemMicros') + own.system,
      rss: sum(answers, 'rss'),
      peak: sum(answers, 'peak'),
    });
  });
  process.send?.(first[0]);
}

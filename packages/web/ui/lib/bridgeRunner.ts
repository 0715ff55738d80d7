import { createJob, followJob, getJobFileUrl, type Job, listJobs, listModels, streamChat } from './bridge.js';
import { stepsOfJob } from './progress.js';
import type { ImageRun, Runner } from './runner.js';

async function toRun(job: Job): Promise<ImageRun> {
  const names = job.status === 'succeeded' ? job.files.filter((name) => name.endsWith('.png')) : [];
  const images = await Promise.all(names.map((name) => getJobFileUrl(job.id, name)));
  return {
    id: job.id,
    images,
    status: job.status,
    ...(job.error ? { error: `${job.error.code}: ${job.error.message}` } : {}),
    ...(job.timings
      ? {
          timings: `total ${job.timings.totalMs} ms, execution ${job.timings.executionMs} ms, protocol ${job.timings.protocolMs} ms`,
        }
      : {}),
  };
}

export function createBridgeRunner(): Runner {
  return {
    mode: 'bridge',
    listModels,
    async generateImages(args, onProgress, signal) {
      const job = await createJob('sd', args, crypto.randomUUID());
      onProgress(stepsOfJob(job), job.status);
      const last = await followJob(job.id, (next) => onProgress(stepsOfJob(next), next.status), signal);
      return toRun(last);
    },
    async chat(params, onDelta, onProgress, signal) {
      let follow: Promise<unknown> | undefined;
      const controller = new AbortController();
      signal?.addEventListener('abort', () => controller.abort());
      try {
        await streamChat(
          params,
          onDelta,
          (id) => {
            follow = followJob(id, (job) => onProgress(stepsOfJob(job), job.status), controller.signal).catch(
              () => undefined,
            );
          },
          signal,
        );
        // The stream ends when the text is verified; the job's last steps (paid) may come a moment later.
        if (follow) await Promise.race([follow, new Promise((done) => setTimeout(done, 5000))]);
      } finally {
        controller.abort();
      }
    },
    async history() {
      const jobs = (await listJobs(20)).filter((job) => job.type === 'sd');
      return Promise.all(jobs.map(toRun));
    },
  };
}

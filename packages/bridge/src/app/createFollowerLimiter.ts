import { BridgeError } from '../errors/BridgeError.js';

export type FollowerLimiter = {
  /**
   * Counts one more follower (an event stream, or a request waiting for its job) of the job and of the key;
   * returns the function that gives the place back (idempotent). Throws `too_many_followers` when either is full.
   */
  enter(jobId: string, keyId: string): () => void;
  count(id: { jobId: string } | { keyId: string }): number;
};

/**
 * Bounds what clients can make the bridge hold per job and per API key: each follower is a connection, a
 * watcher and a store poll. Idempotent retries of one request (same Idempotency-Key) and event streams of one
 * job would otherwise pile up without limit, past the unfinished-jobs cap.
 *
 * @example
 * const leave = followers.enter(job.id, key.id); try { … } finally { leave(); }
 */
export function createFollowerLimiter(limits: { perJob: number; perKey: number }): FollowerLimiter {
  const counts = new Map<string, number>();
  const add = (id: string, by: number) => {
    const n = (counts.get(id) ?? 0) + by;
    if (n > 0) counts.set(id, n);
    else counts.delete(id);
  };
  return {
    enter(jobId, keyId) {
      if ((counts.get(`job:${jobId}`) ?? 0) >= limits.perJob)
        throw new BridgeError(
          'too_many_followers',
          `Job ${jobId} already has ${limits.perJob} requests or event streams waiting for it (limits.followersPerJob).`,
          { retryAfter: 5 },
        );
      if ((counts.get(`key:${keyId}`) ?? 0) >= limits.perKey)
        throw new BridgeError(
          'too_many_followers',
          `This API key already has ${limits.perKey} requests or event streams waiting for jobs (limits.followersPerKey).`,
          { retryAfter: 5 },
        );
      add(`job:${jobId}`, 1);
      add(`key:${keyId}`, 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        add(`job:${jobId}`, -1);
        add(`key:${keyId}`, -1);
      };
    },
    count(id) {
      return counts.get('jobId' in id ? `job:${id.jobId}` : `key:${id.keyId}`) ?? 0;
    },
  };
}

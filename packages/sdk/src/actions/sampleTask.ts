import { isSelected, proofToHash, prove } from '@verinet/protocol/vrf';
import { readSamplingDenominator } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { VerinetError } from '../errors/index.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';
import { ensureVrfKey } from './ensureVrfKey.js';

/**
 * Secret sampling: the app's VRF output over the original's sampling seed (the hash of the block in which it
 * got its node) decides whether the task is checked by a validation group (`proofToHash(proof) %
 * samplingDenominator == 0`). Nobody else can compute it; the proof is revealed only in the group opening.
 *
 * @example
 * const { selected } = await client.sampleTask(id);
 */
export async function sampleTask(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<{ selected: boolean }> {
  const record = await loadRecord(context, id);
  if (record.sampled !== undefined) return { selected: record.sampled };
  const original = record.members[0];
  if (!original?.seed) {
    throw new VerinetError(`Task ${id} has no sampling seed yet: no node was chosen for it.`, {
      details: ['Wait for the node first (client.waitForReport(id, { until: "seed" })).'],
    });
  }
  const key = await ensureVrfKey(context, { id, signal: options.signal });
  const denominator = await withRetry(context, { id, step: 'read-sampling', signal: options.signal }, () =>
    readSamplingDenominator(context),
  );
  const proof = prove(key.secretKey, original.seed, { curve: context.vrfCurve });
  record.sampled = isSelected(proofToHash(proof, { curve: context.vrfCurve }), denominator);
  record.vrfProof = proof;
  await saveRecord(context, record);
  context.emit({ type: 'sampled', id, selected: record.sampled });
  return { selected: record.sampled };
}

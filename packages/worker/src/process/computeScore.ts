import { getImageScore, getTextScore } from '@verinet/protocol/score';
import type { TaskType } from '../backend/types.js';
import type { ScoredFile } from './taskRunner.js';

/**
 * The task score the node submits on chain, as lowercase hex: for images the 8-byte pHash of every PNG
 * concatenated in index order, for text the sha256 of the result JSON bytes.
 */
export async function computeScore(taskType: TaskType, files: ScoredFile[]): Promise<string> {
  if (taskType === 'llm') {
    const [result] = files;
    if (files.length !== 1 || result?.mediaType !== 'application/json') {
      throw new Error(`An LLM task must produce exactly one JSON file, got ${files.length} file(s)`);
    }
    return Buffer.from(getTextScore(result.bytes)).toString('hex');
  }
  if (files.some((f) => f.mediaType !== 'image/png'))
    throw new Error('An image task produced a non-PNG file');
  return Buffer.from(await getImageScore(files.map((f) => f.bytes))).toString('hex');
}

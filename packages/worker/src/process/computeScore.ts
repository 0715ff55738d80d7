import { createHash } from 'node:crypto';
import type { TaskType } from '../backend/types.js';
import type { ScoredFile } from './taskRunner.js';

// TEMPORARY until @verinet/protocol/score lands.
export async function computeScore(taskType: TaskType, files: ScoredFile[]): Promise<string> {
  if (taskType !== 'llm') throw new Error('image score not wired yet');
  return createHash('sha256').update(files[0]!.bytes).digest('hex');
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export type DetectedGpu = { name: string; vramGib: number };

/**
 * The first GPU nvidia-smi reports (name and memory in GiB, rounded), or undefined when nvidia-smi is absent
 * or fails (no NVIDIA GPU, no driver): the operator then configures `gpuName` and `vramGib`.
 */
export async function detectGpu(): Promise<DetectedGpu | undefined> {
  try {
    const { stdout } = await promisify(execFile)(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 10_000 },
    );
    const [line] = stdout.trim().split('\n');
    const match = /^(.+?),\s*(\d+)\s*$/.exec(line ?? '');
    if (!match) return undefined;
    return { name: match[1]!.trim(), vramGib: Math.max(1, Math.round(Number(match[2]) / 1024)) };
  } catch {
    return undefined;
  }
}

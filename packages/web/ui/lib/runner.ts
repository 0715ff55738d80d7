// What a page needs to run tasks, in either mode: through the bridge (its key pays) or in DApp mode (the
// browser wallet pays and the SDK talks to the chain and the relay).
import type { ChatMessage } from './bridge.js';
import type { ProgressStep } from './progress.js';

export type SdArgs = {
  base_model: string;
  prompt: string;
  negative_prompt?: string;
  scheduler?: { method: string };
  task_config: {
    image_width: number;
    image_height: number;
    steps: number;
    cfg: number;
    num_images: number;
    seed?: number;
  };
};

export type ImageRun = { id: string; images: string[]; status: string; error?: string; timings?: string };

export type Runner = {
  mode: 'bridge' | 'dapp';
  listModels(): Promise<{ id: string; type: 'sd' | 'llm' }[]>;
  generateImages(
    args: SdArgs,
    onProgress: (steps: ProgressStep[], status: string) => void,
    signal?: AbortSignal,
  ): Promise<ImageRun>;
  chat(
    params: { model: string; messages: ChatMessage[]; max_tokens?: number; temperature?: number },
    onDelta: (text: string) => void,
    onProgress: (steps: ProgressStep[], status: string) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  history(): Promise<ImageRun[]>;
};

/**
 * What every inference backend (LLM, Stable Diffusion, later fine-tuning) implements. The worker process
 * validates the task arguments, picks the backend for the task type and calls `run`; the backend writes
 * its result files into `ctx.outputDir` and returns them in index order.
 */
export type TaskType = 'sd' | 'llm' | 'sd_ft';

/** The on-chain numbering of task types (contracts: 0 = SD, 1 = LLM, 2 = SD_FT). */
export const taskTypeIds = { sd: 0, llm: 1, sd_ft: 2 } as const satisfies Record<TaskType, number>;

export type Progress = { step: number; total: number; message?: string | undefined };

export type RunContext = {
  /** Folder the backend writes its result files into; it exists and is empty. */
  outputDir: string;
  /** Root of the local model store; nothing is fetched from the network while a task runs. */
  modelsDir: string;
  /** Intra-op threads for onnxruntime; results must not depend on it. */
  threads: number;
  /** 'cpu' here; 'cuda' where present. Part of what the worker version pins. */
  executionProvider: 'cpu' | 'cuda';
  onProgress: (progress: Progress) => void;
  signal: AbortSignal;
};

export type ResultFile = {
  /** File name inside outputDir: `0.png`, `1.png` … for images, `result.json` for LLM chat. */
  name: string;
  path: string;
  mediaType: 'image/png' | 'application/json';
};

export type BackendCapabilities = {
  taskType: TaskType;
  /** Models (model ids as in the task arguments) present in the local store. */
  models: string[];
  /** Features a task may use, e.g. schedulers. */
  features: string[];
};

export interface Backend<Args> {
  readonly taskType: TaskType;
  capabilities(modelsDir: string): Promise<BackendCapabilities>;
  run(args: Args, ctx: RunContext): Promise<ResultFile[]>;
  /** Frees loaded sessions; called before the worker exits. */
  dispose(): Promise<void>;
}

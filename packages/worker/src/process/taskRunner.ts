import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { isVersionCompatible } from '@verinet/protocol/args';
import { BaseError } from '@verinet/protocol/errors';
import type { Backend, BackendCapabilities, Progress, ResultFile, TaskType } from '../backend/types.js';
import type {
  BackendCapabilitiesMessage,
  ErrorMessage,
  ResultFileMessage,
  ResultMessage,
  RunMessage,
} from '../protocol/messages.js';
import type { BackendEntry } from './backendRegistry.js';
import { classifyError, describeError } from './classifyError.js';

/** A result file's bytes, handed to the score function. */
export type ScoredFile = { name: string; mediaType: ResultFile['mediaType']; bytes: Uint8Array };

export type TaskRunnerParameters = {
  backends: BackendEntry[];
  modelsDir: string;
  threads: number;
  executionProvider: 'cpu' | 'cuda';
  /** Validates raw task arguments; throws an error named `InvalidTaskArgsError` when they are invalid. */
  validateArgs: (taskType: TaskType, raw: unknown) => unknown;
  /** The task score (lowercase hex, no 0x) of the result files in index order. */
  computeScore: (taskType: TaskType, files: ScoredFile[]) => Promise<string> | string;
};

export type TaskRunner = {
  capabilities(): Promise<BackendCapabilitiesMessage[]>;
  run(
    message: RunMessage,
    signal: AbortSignal,
    onProgress: (progress: Progress) => void,
  ): Promise<ResultMessage | ErrorMessage>;
  dispose(): Promise<void>;
};

/** Thrown when this worker cannot run a task through no fault of the task (version, missing backend). */
export class UnsupportedTaskError extends BaseError {
  override name = 'UnsupportedTaskError' as const;
}

/**
 * The worker's task logic without any I/O channel: pick the backend, validate, check the version, run,
 * hash the files and compute the score. Every failure comes back as an `error` message, never a throw.
 */
export function createTaskRunner(parameters: TaskRunnerParameters): TaskRunner {
  const loaded = new Map<TaskType, Promise<Backend<unknown>>>();

  function getBackend(entry: BackendEntry): Promise<Backend<unknown>> {
    let backend = loaded.get(entry.taskType);
    if (!backend) {
      backend = entry.create();
      // A failed import must not stick: the next task retries the load.
      backend.catch(() => loaded.delete(entry.taskType));
      loaded.set(entry.taskType, backend);
    }
    return backend;
  }

  async function capabilities(): Promise<BackendCapabilitiesMessage[]> {
    const out: BackendCapabilitiesMessage[] = [];
    for (const entry of parameters.backends) {
      let caps: BackendCapabilities;
      try {
        caps = entry.capabilities
          ? await entry.capabilities(parameters.modelsDir)
          : await (await getBackend(entry)).capabilities(parameters.modelsDir);
      } catch (error) {
        process.stderr.write(
          `worker: backend ${entry.taskType} unavailable: ${describeError(error).message}\n`,
        );
        continue;
      }
      out.push({
        taskType: entry.taskType,
        argsVersion: entry.argsVersion,
        models: caps.models,
        features: caps.features,
      });
    }
    return out;
  }

  async function run(
    message: RunMessage,
    signal: AbortSignal,
    onProgress: (progress: Progress) => void,
  ): Promise<ResultMessage | ErrorMessage> {
    const started = performance.now();
    const { requestId, taskType } = message;
    try {
      const entry = parameters.backends.find((b) => b.taskType === taskType);
      if (!entry) throw new UnsupportedTaskError(`This worker has no backend for task type '${taskType}'`);
      checkOutputDir(message.outputDir);
      const args = parameters.validateArgs(taskType, message.args);
      const version = (args as { version?: unknown }).version;
      if (typeof version === 'string' && !isVersionCompatible(entry.argsVersion, version)) {
        throw new UnsupportedTaskError(
          `Task arguments version ${version} cannot run on this worker (implements ${entry.argsVersion})`,
        );
      }
      const backend = await getBackend(entry);
      signal.throwIfAborted();
      const produced = await backend.run(args, {
        outputDir: message.outputDir,
        modelsDir: parameters.modelsDir,
        threads: parameters.threads,
        executionProvider: parameters.executionProvider,
        onProgress,
        signal,
      });
      signal.throwIfAborted();
      const scored: ScoredFile[] = [];
      const files: ResultFileMessage[] = [];
      for (const file of produced) {
        const bytes = await readFile(file.path);
        scored.push({ name: file.name, mediaType: file.mediaType, bytes });
        files.push({
          name: file.name,
          mediaType: file.mediaType,
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
      }
      if (files.length === 0) throw new Error('The backend produced no result files');
      const score = await parameters.computeScore(taskType, scored);
      return { type: 'result', requestId, files, score, durationMs: performance.now() - started };
    } catch (error) {
      const kind = classifyError(error, signal.aborted);
      const { message: text, details } = describeError(error);
      return {
        type: 'error',
        requestId,
        kind,
        message: kind === 'cancelled' ? 'Task cancelled' : text,
        ...(details.length > 0 ? { details } : {}),
      };
    }
  }

  async function dispose(): Promise<void> {
    for (const backend of loaded.values()) {
      try {
        await (await backend).dispose();
      } catch {
        // A backend that failed to load has nothing to free.
      }
    }
    loaded.clear();
  }

  return { capabilities, run, dispose };
}

/**
 * Synchronous on purpose: the check is the first file access of a task, and the promise API would hand it
 * to a libuv pool thread that has slept since the last task and must be woken first (measured: 0.07 ms of
 * a worker task). Listing a folder that should be empty blocks for microseconds.
 */
function checkOutputDir(outputDir: string): void {
  if (!isAbsolute(outputDir)) throw new Error(`outputDir must be an absolute path, got ${outputDir}`);
  let entries: string[];
  try {
    entries = readdirSync(outputDir);
  } catch (error) {
    throw new Error(`outputDir ${outputDir} is not a readable folder`, { cause: error });
  }
  if (entries.length > 0) throw new Error(`outputDir ${outputDir} is not empty`);
}

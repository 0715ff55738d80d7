import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidTaskArgsError, type LlmTaskArgs } from '@verinet/protocol/args';
import { BaseError } from '@verinet/protocol/errors';
import type { Backend, ResultFile, RunContext } from '../backend/types.js';
import { assertExecutionProvider } from '../models/assertExecutionProvider.js';
import { getModelDir } from '../models/getModelDir.js';
import { manifestFileName } from '../models/manifest.js';
import { type ResolvedModel, resolveModel } from '../models/resolveModel.js';
import { UnsupportedTaskError } from '../process/taskRunner.js';
import { buildChatResult } from './buildChatResult.js';
import { getLlmCapabilities } from './capabilities.js';
import { generateChat } from './generateChat.js';
import { type LoadedLlm, loadLlm } from './loadLlm.js';

/** The model in the store is not a language model (e.g. an SD checkpoint under an LLM task). */
export class IncompatibleModelError extends BaseError {
  override name = 'IncompatibleModelError' as const;
  constructor(modelId: string, taskType: string) {
    super(`Model ${modelId} is a ${taskType} model, not a language model`, {
      details: ['An LLM task must name a causal language model.'],
      docsPath: 'worker-protocol.md',
    });
  }
}

/** Minimum time between progress messages, so a fast model is not slowed by its own reporting. */
const progressIntervalMs = 250;

/**
 * The LLM chat backend on transformers.js. Models come from the local store only; one model stays loaded
 * between tasks (a different model or thread count replaces it).
 *
 * @example
 * const backend = createLlmBackend();
 * const files = await backend.run(parseTaskArgs('llm', raw), ctx);
 */
export function createLlmBackend(): Backend<LlmTaskArgs> {
  let loaded: { key: string; llm: Promise<LoadedLlm> } | undefined;
  /**
   * The last model resolved (manifest read and parsed, every file's size checked against it: ≈ 0.2–0.3 ms of CPU a
   * task on the tiny models), with its manifest's stat: the next task of the same model in the same store takes it
   * again after one `stat` of the manifest, while that file is the same (inode, size, mtime, ctime). A store that
   * installs, replaces or removes the model writes or removes its manifest, and the full check runs again. A data
   * file deleted or truncated under an unchanged manifest goes unnoticed here, as a file changed after the load
   * always did: the model in memory was loaded from files that passed the check, and it computes the same bytes.
   */
  let resolved: { modelsDir: string; modelId: string; stamp: string; model: ResolvedModel } | undefined;

  async function resolveStoredModel(modelsDir: string, modelId: string): Promise<ResolvedModel> {
    if (resolved?.modelsDir === modelsDir && resolved.modelId === modelId) {
      const stamp = await readManifestStamp(resolved.model.dir);
      if (stamp === resolved.stamp) return resolved.model;
    }
    resolved = undefined;
    // Stamped before the check: a manifest rewritten during it gets a stamp of its own, checked again next time.
    const stamp = await readManifestStamp(getModelDir(modelsDir, modelId));
    const model = await resolveModel({ modelsDir, modelId });
    if (stamp !== undefined) resolved = { modelsDir, modelId, stamp, model };
    return model;
  }

  async function getLlm(dir: string, ctx: RunContext): Promise<LoadedLlm> {
    const key = `${dir}\u0000${ctx.threads}`;
    if (loaded?.key !== key) {
      await release();
      const llm = loadLlm(dir, ctx.modelsDir, ctx.threads);
      loaded = { key, llm };
      llm.catch(() => {
        if (loaded?.llm === llm) loaded = undefined;
      });
    }
    return loaded.llm;
  }

  async function release(): Promise<void> {
    const current = loaded;
    loaded = undefined;
    if (current) await (await current.llm.catch(() => undefined))?.model.dispose();
  }

  return {
    taskType: 'llm',
    capabilities: getLlmCapabilities,
    async run(args: LlmTaskArgs, ctx: RunContext): Promise<ResultFile[]> {
      if (args.dtype !== 'auto' && args.dtype !== 'float32') {
        throw new InvalidTaskArgsError([
          {
            field: 'dtype',
            kind: 'unsupported',
            reason: `${args.dtype} is not implemented by worker version 1.x (CPU, float32)`,
          },
        ]);
      }
      if (ctx.executionProvider !== 'cpu') {
        // A missing provider is said as such first; an installed one is still not used by this backend.
        assertExecutionProvider(ctx.executionProvider);
        throw new UnsupportedTaskError(
          `The LLM backend of worker 1.x runs on the cpu execution provider only, not ${ctx.executionProvider}`,
          { details: ['Run LLM tasks on a worker started with --execution-provider cpu.'] },
        );
      }
      const model = await resolveStoredModel(ctx.modelsDir, args.model);
      if (model.manifest.taskType !== 'llm')
        throw new IncompatibleModelError(args.model, model.manifest.taskType);
      const llm = await getLlm(model.dir, ctx);
      let total = args.generation_config.max_new_tokens ?? 0;
      let lastReport = 0;
      const completion = await generateChat(llm, args, {
        signal: ctx.signal,
        onToken: (generated, limit) => {
          total = limit;
          const now = performance.now();
          if (now - lastReport >= progressIntervalMs) {
            lastReport = now;
            ctx.onProgress({ step: generated, total });
          }
        },
      });
      ctx.onProgress({ step: completion.completionTokens, total, message: completion.finishReason });
      const path = join(ctx.outputDir, 'result.json');
      await writeFile(path, buildChatResult(args.model, completion));
      return [{ name: 'result.json', path, mediaType: 'application/json' }];
    },
    dispose: async () => {
      resolved = undefined;
      await release();
    },
  };
}

/** What identifies a manifest file's version (undefined when it is gone). */
async function readManifestStamp(dir: string): Promise<string | undefined> {
  const info = await stat(join(dir, manifestFileName)).catch(() => undefined);
  return info && `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidTaskArgsError, type LlmTaskArgs } from '@verinet/protocol/args';
import { BaseError } from '@verinet/protocol/errors';
import type { Backend, ResultFile, RunContext } from '../backend/types.js';
import { assertExecutionProvider } from '../models/assertExecutionProvider.js';
import { resolveModel } from '../models/resolveModel.js';
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
      const model = await resolveModel({ modelsDir: ctx.modelsDir, modelId: args.model });
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
    dispose: release,
  };
}

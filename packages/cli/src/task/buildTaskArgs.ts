import { readFileSync } from 'node:fs';
import { CommandError, UsageError } from '../cli/errors.js';

export type SdTaskOptions = {
  prompt?: string | undefined;
  negative?: string | undefined;
  steps?: number | undefined;
  seed?: number | undefined;
  size?: string | undefined;
  images?: number | undefined;
  model?: string | undefined;
};

export type LlmTaskOptions = {
  prompt?: string | undefined;
  messages?: string | undefined;
  maxTokens?: number | undefined;
  seed?: number | undefined;
  model?: string | undefined;
};

/**
 * Stable Diffusion arguments from the command line (docs/task-args.md); unset fields keep the schema's
 * defaults, which the SDK fills and validates.
 *
 * @example
 * buildSdArgs({ prompt: 'a cat', size: '64x64' }, ['verinet/tiny-sd']);
 */
export function buildSdArgs(options: SdTaskOptions, knownModels: string[]): Record<string, unknown> {
  if (options.prompt === undefined)
    throw new UsageError('--prompt is required with --type sd.', {
      details: ['Describe the image to generate, e.g. `--prompt "a lighthouse at dusk"`.'],
    });
  // The task schema takes an empty prompt (unconditional generation, for SDK users who mean it); from the
  // command line it is a forgotten or mis-quoted argument that would be paid for.
  if (options.prompt.trim() === '')
    throw new UsageError('--prompt is empty: describe the image to generate.', {
      details: ['Nothing was sent or paid.'],
    });
  const model = options.model ?? knownModels.find((id) => /sd|diffusion/i.test(id));
  if (!model) throw new UsageError('--model is required (the network names no image model).');
  const taskConfig: Record<string, unknown> = {};
  if (options.size !== undefined) {
    // A sign is read, so that the schema's range sentence answers `--size -64`, not a format complaint. The
    // trial typed 512X512: x, X or × between the numbers, spaces around them, are all the same size.
    const match = /^\s*(-?\d+)(?:\s*[xX×]\s*(-?\d+))?\s*$/.exec(options.size);
    if (!match)
      throw new UsageError(
        `--size must be WIDTHxHEIGHT (x or X between the two numbers, e.g. 512x512) or one number for a square (512), got "${options.size}".`,
        { details: ["Give e.g. `--size 512x512`, or leave --size out for the model's default size."] },
      );
    taskConfig.image_width = Number(match[1]);
    taskConfig.image_height = Number(match[2] ?? match[1]);
  }
  if (options.steps !== undefined) taskConfig.steps = options.steps;
  if (options.seed !== undefined) taskConfig.seed = options.seed;
  if (options.images !== undefined) taskConfig.num_images = options.images;
  return {
    base_model: model,
    prompt: options.prompt,
    ...(options.negative !== undefined ? { negative_prompt: options.negative } : {}),
    ...(Object.keys(taskConfig).length > 0 ? { task_config: taskConfig } : {}),
  };
}

/**
 * LLM chat arguments: `--messages FILE` (a JSON array of `{ role, content }`, or an object with `messages`)
 * or `--prompt TEXT` (one user message).
 */
export function buildLlmArgs(options: LlmTaskOptions, knownModels: string[]): Record<string, unknown> {
  if ((options.prompt === undefined) === (options.messages === undefined))
    throw new UsageError('Give one of --prompt TEXT or --messages FILE with --type llm.');
  const model = options.model ?? knownModels.find((id) => !/sd|diffusion/i.test(id));
  if (!model) throw new UsageError('--model is required (the network names no language model).');
  let messages: unknown;
  if (options.messages !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.messages, 'utf8');
    } catch (error) {
      // The cause by name (trial s14: "cannot read that file" for a missing file and for a folder alike).
      const code = (error as NodeJS.ErrnoException).code;
      const cause =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'that is a folder, not a file'
            : code === 'EACCES' || code === 'EPERM'
              ? 'permission denied (the file is not readable by this user)'
              : `cannot read that file (${code ?? (error as Error).message})`;
      throw new CommandError(`--messages ${options.messages}: ${cause}.`, {
        details: [
          'Give the path of a JSON file holding [{ "role": "user", "content": "…" }, …], or send one message with --prompt TEXT.',
        ],
      });
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      messages = Array.isArray(parsed) ? parsed : (parsed as { messages?: unknown }).messages;
    } catch {
      throw new CommandError(`--messages ${options.messages} is not JSON.`, {
        details: ['Expected [{ "role": "user", "content": "…" }, …].'],
      });
    }
    if (!Array.isArray(messages))
      throw new CommandError(`--messages ${options.messages} holds no message list.`, {
        details: ['Expected [{ "role": "user", "content": "…" }, …] or { "messages": [...] }.'],
      });
  } else {
    // As with an image prompt: an empty message is a forgotten or mis-quoted argument that would be paid for.
    if (options.prompt?.trim() === '')
      throw new UsageError('--prompt is empty: write the message the model should answer.', {
        details: ['Nothing was sent or paid.'],
      });
    messages = [{ role: 'user', content: options.prompt }];
  }
  return {
    model,
    messages,
    ...(options.maxTokens !== undefined ? { generation_config: { max_new_tokens: options.maxTokens } } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
}

import type { InvalidTaskArgsError } from '@verinet/protocol/args';
import { UsageError } from '../cli/errors.js';

/** Task argument fields (docs/task-args.md) that `verinet task run` fills from a flag, by task type. */
const flagsByField: Record<'sd' | 'llm', [prefix: string, flag: string][]> = {
  sd: [
    ['base_model', '--model'],
    ['negative_prompt', '--negative'],
    ['prompt', '--prompt'],
    ['task_config.image_width', '--size'],
    ['task_config.image_height', '--size'],
    ['task_config.steps', '--steps'],
    ['task_config.seed', '--seed'],
    ['task_config.num_images', '--images'],
  ],
  llm: [
    ['model', '--model'],
    ['messages', '--prompt/--messages'],
    ['generation_config.max_new_tokens', '--max-tokens'],
    ['seed', '--seed'],
  ],
};

/**
 * The protocol's schema error, reworded for the command line: it names the user's flag (`--size`), not the
 * task argument it became (`task_config.image_width`). A field no flag sets (from a --messages file) keeps
 * its argument name.
 *
 * @example
 * toTaskFlagError('sd', error, { messagesFile: undefined }); // UsageError("--size: must be a multiple of 8 …")
 */
export function toTaskFlagError(
  type: 'sd' | 'llm',
  error: InvalidTaskArgsError,
  options: { messagesFile?: string | undefined },
): UsageError {
  const lines = error.issues.map((issue) => {
    const match = flagsByField[type].find(
      ([prefix]) => issue.field === prefix || issue.field.startsWith(`${prefix}.`),
    );
    let flag = match?.[1];
    if (flag === '--prompt/--messages')
      flag = options.messagesFile ? `--messages ${options.messagesFile}` : '--prompt';
    const what = issue.kind === 'unsupported' ? `not supported yet: ${issue.reason}` : issue.reason;
    if (!flag) return `${issue.field || 'arguments'}: ${what}`;
    // Inside a messages file, say where (messages.1.content).
    const inside = flag.startsWith('--messages') && issue.field !== 'messages' ? ` (${issue.field})` : '';
    return `${flag}${inside}: ${what}`;
  });
  return new UsageError(`${lines.join('; ')}.`.replace(/\.\.$/, '.'), {
    details: ['Nothing was sent or paid. `verinet task run --help` lists the options.'],
  });
}

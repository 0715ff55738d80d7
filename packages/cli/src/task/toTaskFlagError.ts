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
 * toTaskFlagError('sd', error, { size: '65x64' }); // UsageError("--size 65x64: the width must be a multiple of 8 from 64 to 2048.")
 */
export function toTaskFlagError(
  type: 'sd' | 'llm',
  error: InvalidTaskArgsError,
  options: { messagesFile?: string | undefined; size?: string | undefined },
): UsageError {
  // One line per flag and reason: --size sets two fields that usually fail alike.
  const groups = new Map<string, { flag: string; what: string; fields: string[] }>();
  for (const issue of error.issues) {
    const match = flagsByField[type].find(
      ([prefix]) => issue.field === prefix || issue.field.startsWith(`${prefix}.`),
    );
    let flag = match?.[1];
    if (flag === '--prompt/--messages')
      flag = options.messagesFile ? `--messages ${options.messagesFile}` : '--prompt';
    // zod's "Invalid number: must be …" reads as two sentences run together after a flag name.
    const reason = issue.reason.replace(/^Invalid (?:input|number|string|value|type)(?:: )?/i, '').trim();
    let what = issue.kind === 'unsupported' ? `not supported yet: ${reason}` : reason;
    // The whole arguments too large: what made them large is the messages file, or else the prompt.
    if (!flag && issue.field === '' && /bytes, above/.test(reason)) {
      flag = options.messagesFile ? `--messages ${options.messagesFile}` : '--prompt';
      what = `the task's arguments would be ${reason}`;
    }
    let label: string;
    if (!flag) label = issue.field || 'arguments';
    else if (flag === '--size') label = options.size === undefined ? '--size' : `--size ${options.size}`;
    // Inside a messages file, say where (messages.1.content).
    else
      label =
        flag.startsWith('--messages') && issue.field !== 'messages' && issue.field !== ''
          ? `${flag} (${issue.field})`
          : flag;
    const key = `${label}\0${what}`;
    const group = groups.get(key) ?? { flag: label, what, fields: [] };
    group.fields.push(issue.field.split('.').pop() ?? '');
    groups.set(key, group);
  }
  // --size breaks up to two rules on two fields (99999x99999: too big and not a multiple of 8, each side):
  // one sentence stating the whole rule (the schema's, docs/task-args.md) for the sides that break it.
  const sizeSides = new Set<string>();
  const lines: string[] = [];
  for (const { flag, what, fields } of groups.values()) {
    if (!flag.startsWith('--size')) lines.push(`${flag}: ${what}`);
    else for (const field of fields) sizeSides.add(field.replace('image_', ''));
  }
  if (sizeSides.size > 0) {
    const sides = [...sizeSides].sort((a, b) => (a === 'width' ? -1 : b === 'width' ? 1 : 0));
    const label = options.size === undefined ? '--size' : `--size ${options.size}`;
    lines.unshift(
      `${label}: the ${sides.join(' and ')} must ${sides.length > 1 ? 'each ' : ''}be a multiple of 8 from 64 to 2048`,
    );
  }
  return new UsageError(`${lines.join('; ')}.`.replace(/\.\.$/, '.'), {
    details: ['Nothing was sent or paid. `verinet task run --help` lists the options.'],
  });
}

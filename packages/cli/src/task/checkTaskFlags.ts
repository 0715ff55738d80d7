import { UsageError } from '../cli/errors.js';

export type TaskFlags = {
  type: 'sd' | 'llm';
  model?: string | undefined;
  negative?: string | undefined;
  steps?: number | undefined;
  size?: string | undefined;
  images?: number | undefined;
  out?: string | undefined;
  messages?: string | undefined;
  maxTokens?: number | undefined;
};

/** The flags that only one task type reads: given with the other, they would be silently ignored. */
const flagsOfType: Record<'sd' | 'llm', [key: keyof TaskFlags, flag: string][]> = {
  sd: [
    ['negative', '--negative'],
    ['steps', '--steps'],
    ['size', '--size'],
    ['images', '--images'],
    ['out', '--out'],
  ],
  llm: [
    ['messages', '--messages'],
    ['maxTokens', '--max-tokens'],
  ],
};

const typeNames: Record<'llm' | 'sd' | 'sd_ft', string> = {
  llm: 'a language (llm) model',
  sd: 'an image (sd) model',
  sd_ft: 'a fine-tuned image (sd_ft) model',
};

/**
 * Refuses, before anything is stored or paid, a `verinet task run` that could only fail or mislead: a flag of
 * the other task type (ignored otherwise), a model the network's nodes do not hold, or a model of the other
 * type (the node would refuse it after the fee was paid).
 *
 * @example
 * checkTaskFlags({ type: 'llm', model: 'verinet/tiny-sd' }, { models: ['verinet/tiny-sd'], modelTypes: { 'verinet/tiny-sd': 'sd' } });
 * // UsageError: --model verinet/tiny-sd is an image (sd) model; --type llm needs one of: …
 */
export function checkTaskFlags(
  flags: TaskFlags,
  network: { models: string[]; modelTypes: Record<string, 'llm' | 'sd' | 'sd_ft'> },
): void {
  const other = flags.type === 'sd' ? 'llm' : 'sd';
  const stray = flagsOfType[other].filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
  if (stray.length > 0)
    throw new UsageError(
      `${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} for --type ${other} only, not --type ${flags.type}.`,
      { details: ['Nothing was sent or paid. `verinet task run --help` lists the options.'] },
    );
  const model = flags.model;
  if (model === undefined || network.models.length === 0) return;
  if (!network.models.includes(model))
    throw new UsageError(
      `--model ${model}: the devnet's nodes hold no such model; they hold ${network.models.join(', ')}.`,
      { details: ['Nothing was sent or paid.'] },
    );
  const type = network.modelTypes[model];
  if (type === undefined || type === flags.type) return;
  const fitting = network.models.filter((id) => network.modelTypes[id] === flags.type);
  throw new UsageError(
    `--model ${model} is ${typeNames[type]}; --type ${flags.type} needs ${
      fitting.length > 0
        ? `one of: ${fitting.join(', ')}`
        : `${typeNames[flags.type]}, and the devnet's nodes hold none`
    }.`,
    { details: ['Nothing was sent or paid.'] },
  );
}

import type { SdTaskArgsInput } from '@verinet/protocol/args';
import { MAX_SEED, parseTaskArgs } from '@verinet/protocol/args';
import type { BridgeModel } from '../config/bridgeConfig.js';
import { BridgeError } from '../errors/BridgeError.js';
import { drawSeed } from './drawSeed.js';
import {
  asObject,
  onlyNeutral,
  optionalNumber,
  optionalString,
  refuseEmptyPrompt,
  refuseUnknown,
  required,
} from './readRequest.js';
import { toArgsError } from './toArgsError.js';

export type MappedImageRequest = {
  model: BridgeModel;
  args: SdTaskArgsInput;
  responseFormat: 'url' | 'b64_json';
};

const requestFields = new Set([
  'prompt',
  'model',
  'n',
  'size',
  'response_format',
  'quality',
  'style',
  'user',
  'output_format',
  'background',
  'stream',
  // Verinet extensions (Stable Diffusion settings OpenAI does not have; docs/task-args.md names).
  'negative_prompt',
  'seed',
  'steps',
  'cfg',
  'scheduler',
]);

/** Task fields that came from differently named request fields (for error messages). */
export const imageParamRenames = {
  base_model: 'model',
  'task_config.image_width': 'size',
  'task_config.image_height': 'size',
  'task_config.num_images': 'n',
  'task_config.seed': 'seed',
  'task_config.steps': 'steps',
  'task_config.cfg': 'cfg',
} as const;

/** OpenAI's default size is 1024×1024; Stable Diffusion 1.x models are trained at 512. */
const defaultSide = 512;

/**
 * Maps an OpenAI image generation request onto Stable Diffusion task arguments (docs/bridge.md, "Images
 * mapping"), then checks them against the task schema. The seed, when not given, is drawn so that
 * seed + n − 1 stays within the schema's range.
 *
 * @example
 * const { args } = mapImageRequest({ prompt: 'a cat', n: 2, size: '256x256' }, { models });
 */
export function mapImageRequest(
  input: unknown,
  context: { models: readonly BridgeModel[] },
): MappedImageRequest {
  const body = asObject(input, '');
  refuseUnknown(body, requestFields);
  const prompt = required(optionalString(body, 'prompt'), 'prompt');
  refuseEmptyPrompt(prompt, 'prompt');
  const modelId = optionalString(body, 'model');
  const model =
    modelId === undefined
      ? context.models.find((m) => m.type === 'sd')
      : context.models.find((m) => m.id === modelId);
  if (model?.type !== 'sd')
    throw new BridgeError(
      'model_not_found',
      modelId === undefined
        ? 'This bridge offers no image model.'
        : model
          ? `The model \`${modelId}\` is a chat model: use /v1/chat/completions.`
          : `The model \`${modelId}\` does not exist on this bridge (GET /v1/models lists them).`,
      { param: 'model' },
    );
  const n = optionalNumber(body, 'n', { min: 1, max: 10, integer: true }) ?? 1;

  let width = defaultSide;
  let height = defaultSide;
  const size = optionalString(body, 'size');
  if (size !== undefined && size !== 'auto') {
    const match = /^(\d{2,4})x(\d{2,4})$/.exec(size);
    if (!match)
      throw new BridgeError(
        'invalid_value',
        `size must be WIDTHxHEIGHT (for example 512x512) or auto; got ${JSON.stringify(size)}.`,
        {
          param: 'size',
        },
      );
    width = Number(match[1]);
    height = Number(match[2]);
  }
  const responseFormat = (optionalString(body, 'response_format') ?? 'url') as 'url' | 'b64_json';
  if (responseFormat !== 'url' && responseFormat !== 'b64_json')
    throw new BridgeError('invalid_value', 'response_format must be url or b64_json.', {
      param: 'response_format',
    });
  onlyNeutral(body, 'quality', ['auto', 'standard'], 'quality is set by steps and cfg here');
  onlyNeutral(body, 'style', [], 'the network has no style presets (write it in the prompt)');
  onlyNeutral(body, 'output_format', ['png'], 'results are PNG files');
  onlyNeutral(body, 'background', ['auto', 'opaque'], 'results have no alpha channel');
  onlyNeutral(body, 'stream', [false], 'image results arrive whole, once validated');
  optionalString(body, 'user');

  const givenSeed = optionalNumber(body, 'seed', { min: 0, max: MAX_SEED, integer: true });
  if (givenSeed !== undefined && givenSeed + n - 1 > MAX_SEED)
    throw new BridgeError(
      'invalid_value',
      `seed + n − 1 must not exceed ${MAX_SEED} (image i uses seed + i); the largest seed for n = ${n} is ${MAX_SEED - n + 1}.`,
      { param: 'seed' },
    );
  const taskConfig: Record<string, unknown> = {
    image_width: width,
    image_height: height,
    num_images: n,
    seed: givenSeed ?? drawSeed(n),
  };
  if (body.steps !== undefined) taskConfig.steps = body.steps;
  if (body.cfg !== undefined) taskConfig.cfg = body.cfg;
  const args: Record<string, unknown> = {
    base_model: model.taskModel ?? model.id,
    prompt,
    task_config: taskConfig,
  };
  if (body.negative_prompt !== undefined) args.negative_prompt = body.negative_prompt;
  if (body.scheduler !== undefined) args.scheduler = body.scheduler;
  try {
    parseTaskArgs('sd', args);
  } catch (error) {
    // The schema's words per field ("Invalid number: must be a multiple of 8.") would read as raw validator
    // output for a size the client wrote as one value: one sentence stating the whole rule instead.
    const sides = ((error as { issues?: { field: string }[] }).issues ?? [])
      .map((issue) => /^task_config\.image_(width|height)$/.exec(issue.field)?.[1])
      .filter((side): side is string => side !== undefined);
    if (sides.length > 0) {
      const named = [...new Set(sides)].sort().reverse();
      throw new BridgeError(
        'invalid_value',
        `size ${size}: the ${named.join(' and ')} must ${named.length > 1 ? 'each ' : ''}be a multiple of 8 from 64 to 2048.`,
        { param: 'size' },
      );
    }
    throw toArgsError(error, imageParamRenames);
  }
  return { model, args: args as SdTaskArgsInput, responseFormat };
}

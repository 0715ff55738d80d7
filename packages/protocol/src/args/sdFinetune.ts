import { z } from 'zod';
import { modelNameSchema, modelRefSchema, seedSchema, variantSchema, versionFieldSchema } from './common.js';

/** The SD LoRA fine-tuning argument version this package reads and writes by default. */
export const SD_FINETUNE_TASK_ARGS_VERSION = '1.0.0';

const datasetSchema = z
  .strictObject({
    /** A dataset archive URL, or… */
    url: z.url().optional(),
    /** …a dataset hub id. Exactly one of the two. */
    name: modelRefSchema.optional(),
    config_name: z.string().min(1).optional(),
    image_column: z.string().min(1).default('image'),
    caption_column: z.string().min(1).default('text'),
  })
  .superRefine((dataset, ctx) => {
    if ((dataset.url === undefined) === (dataset.name === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and name' });
    }
  });

const lrSchedulerSchema = z.strictObject({
  lr_scheduler: z
    .enum(['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup'])
    .default('constant'),
  lr_warmup_steps: z.int().min(0).default(500),
});

const adamArgsSchema = z.strictObject({
  beta1: z.number().gt(0).lt(1).default(0.9),
  beta2: z.number().gt(0).lt(1).default(0.999),
  weight_decay: z.number().min(0).max(1).default(0.01),
  epsilon: z.number().gt(0).max(1).default(1e-8),
});

const trainArgsSchema = z
  .strictObject({
    learning_rate: z.number().gt(0).max(1).default(1e-4),
    batch_size: z.int().min(1).max(256).default(16),
    gradient_accumulation_steps: z.int().min(1).max(1024).default(1),
    prediction_type: z.enum(['epsilon', 'v_prediction']).optional(),
    max_grad_norm: z.number().gt(0).default(1),
    /** Length of the whole run; exactly one of the two (epochs default to 1). */
    num_train_epochs: z.int().min(1).optional(),
    num_train_steps: z.int().min(1).optional(),
    /** Where this task stops (a long run is chained as several tasks resuming from `checkpoint`). */
    max_train_epochs: z.int().min(1).optional(),
    max_train_steps: z.int().min(1).optional(),
    scale_lr: z.boolean().default(false),
    resolution: z.int().min(64).max(2048).multipleOf(8).default(512),
    noise_offset: z.number().min(0).max(1).default(0),
    snr_gamma: z.number().gt(0).optional(),
    lr_scheduler: lrSchedulerSchema.prefault({}),
    adam_args: adamArgsSchema.prefault({}),
  })
  .superRefine((args, ctx) => {
    if (args.num_train_epochs !== undefined && args.num_train_steps !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_train_steps'],
        message: 'give num_train_epochs or num_train_steps, not both',
      });
    }
    if (args.max_train_epochs !== undefined && args.max_train_steps !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_train_steps'],
        message: 'give max_train_epochs or max_train_steps, not both',
      });
    }
  });

/**
 * SD LoRA fine-tuning arguments, version 1, in the reference shape. The schema parses; no v1 worker runs
 * fine-tuning, so workers report the task type unsupported.
 */
export const sdFinetuneTaskArgsSchema = z.strictObject({
  version: versionFieldSchema(1).default(SD_FINETUNE_TASK_ARGS_VERSION),
  model: z.strictObject({
    name: modelNameSchema,
    variant: variantSchema.nullish(),
    revision: z.string().min(1).default('main'),
  }),
  dataset: datasetSchema,
  validation: z.strictObject({
    prompt: z.string().max(10_000),
    num_images: z.int().min(1).max(10).default(1),
  }),
  train_args: trainArgsSchema.prefault({}),
  lora: z
    .strictObject({
      rank: z.int().min(1).max(1024).default(8),
      init_lora_weights: z
        .union([z.boolean(), z.enum(['gaussian', 'loftq', 'pissa', 'olora'])])
        .default(true),
      target_modules: z
        .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
        .default(['to_k', 'to_q', 'to_v', 'to_out.0']),
    })
    .prefault({}),
  transforms: z
    .strictObject({ center_crop: z.boolean().default(false), random_flip: z.boolean().default(false) })
    .prefault({}),
  mixed_precision: z.enum(['no', 'fp16', 'bf16']).default('fp16'),
  seed: seedSchema.default(0),
  /** Where a chained task resumes from (the previous task's checkpoint URL); absent for the first one. */
  checkpoint: z.string().min(1).optional(),
});

/** SD fine-tuning arguments as an application writes them (defaults may be left out). */
export type SdFinetuneTaskArgsInput = z.input<typeof sdFinetuneTaskArgsSchema>;
/** SD fine-tuning arguments after parsing, defaults applied. */
export type SdFinetuneTaskArgs = z.output<typeof sdFinetuneTaskArgsSchema>;

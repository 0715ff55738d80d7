import { z } from 'zod';
import {
  dtypeSchema,
  modelNameSchema,
  modelRefSchema,
  namedModelSchema,
  seedSchema,
  toNamedModel,
  variantSchema,
  versionFieldSchema,
} from './common.js';

/** The Stable Diffusion argument version this package reads and writes by default. */
export const SD_TASK_ARGS_VERSION = '1.1.0';

/** Image side: a multiple of 8 (the VAE downscales by 8) between 64 and 2048 pixels. */
const imageSideSchema = z.int().min(64).max(2048).multipleOf(8);
/** Weights in the reference shapes are integer percents. */
const percentSchema = z.int().min(0).max(100);

/** How sampling timesteps are spread over the 1000 training steps (as diffusers names it). */
export const timestepSpacingSchema = z.enum(['leading', 'trailing', 'linspace']);

/**
 * Per-method scheduler arguments. Fields left out take the worker version's pinned default for that method
 * (the diffusers default for Stable Diffusion 1.x), which is part of what the major version fixes.
 */
export const sdSchedulerSchema = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('DDIM'),
    args: z
      .strictObject({
        /** Weight of the stochastic term; 0 is deterministic DDIM. */
        eta: z.number().min(0).max(1).default(0),
        timestep_spacing: timestepSpacingSchema.optional(),
      })
      .prefault({}),
  }),
  z.strictObject({
    method: z.literal('EulerDiscrete'),
    args: z.strictObject({ timestep_spacing: timestepSpacingSchema.optional() }).prefault({}),
  }),
  z.strictObject({
    method: z.literal('EulerAncestralDiscrete'),
    args: z.strictObject({ timestep_spacing: timestepSpacingSchema.optional() }).prefault({}),
  }),
  z.strictObject({
    method: z.literal('DPMSolverMultistep'),
    args: z
      .strictObject({
        /** Only the multistep DPM-Solver++ of order 2 ("2M") is defined in v1. */
        algorithm_type: z.literal('dpmsolver++').default('dpmsolver++'),
        solver_order: z.literal(2).default(2),
        timestep_spacing: timestepSpacingSchema.optional(),
      })
      .prefault({}),
  }),
  z.strictObject({
    method: z.literal('LCM'),
    args: z
      .strictObject({
        /** The distillation schedule the LCM was trained on. */
        original_inference_steps: z.int().min(1).max(1000).default(50),
        timestep_spacing: timestepSpacingSchema.optional(),
      })
      .prefault({}),
  }),
]);
export type SdScheduler = z.output<typeof sdSchedulerSchema>;
export type SdSchedulerMethod = SdScheduler['method'];

/** Generation settings; every field has the reference network's default. */
export const sdTaskConfigSchema = z.strictObject({
  image_width: imageSideSchema.default(512),
  image_height: imageSideSchema.default(512),
  steps: z.int().min(1).max(100).default(25),
  seed: seedSchema.default(0),
  num_images: z.int().min(1).max(10).default(1),
  /** No v1 worker ships a safety checker, so the default is false and true is refused as unsupported. */
  safety_checker: z.boolean().default(false),
  cfg: z.number().min(0).max(20).default(7),
});

/** `lora` in the reference shape: a LoRA by hub id or URL, weight in percent. */
export const sdLoraSchema = z.strictObject({
  model: modelRefSchema,
  weight_file_name: z.string().min(1).max(256).optional(),
  weight: percentSchema.default(100),
});

// ---- Adapters (LoRA lists, textual inversion), supported since task version 1.1.0 ----------------------------

/** At most this many LoRAs or embeddings in one task (each is merged into the model before it runs). */
export const MAX_SD_ADAPTERS = 8;

/** `lora`: the reference's single object, or a list of them applied together (their updates add up). */
export const sdLorasSchema = z.union([
  sdLoraSchema.transform((lora) => [lora]),
  z.array(sdLoraSchema).min(1).max(MAX_SD_ADAPTERS),
]);
export type SdLora = z.output<typeof sdLoraSchema>;

/** One textual-inversion embedding: a model id, optionally the file and the trigger token to use. */
export const sdTextualInversionSchema = z.strictObject({
  model: modelRefSchema,
  weight_file_name: z.string().min(1).max(256).optional(),
  /** Overrides the file's token (diffusers' `token=`); A1111 files default to their file name. */
  token: z
    .string()
    .regex(/^\S{1,100}$/, 'must be 1–100 non-space characters')
    .optional(),
});
export type SdTextualInversion = z.output<typeof sdTextualInversionSchema>;

const textualInversionItemSchema = z.union([
  modelRefSchema.transform((model) => ({ model })),
  sdTextualInversionSchema,
]);

/** `textual_inversion`: the reference's model id, an object, or a list of either; normalized to a list. */
export const sdTextualInversionsSchema = z.union([
  textualInversionItemSchema.transform((item) => [item]),
  z.array(textualInversionItemSchema).min(1).max(MAX_SD_ADAPTERS),
]);

// ---- end of adapters ------------------------------------------------------------------------------------------

/** ControlNet preprocessors the reference network names. */
export const controlnetPreprocessMethodSchema = z.enum([
  'canny',
  'scribble_hed',
  'softedge_hed',
  'scribble_hedsafe',
  'softedge_hedsafe',
  'depth_midas',
  'depth_zoe',
  'depth_leres',
  'depth_leres++',
  'mlsd',
  'openpose',
  'openpose_face',
  'openpose_faceonly',
  'openpose_full',
  'openpose_hand',
  'dwpose',
  'scribble_pidinet',
  'softedge_pidinet',
  'scribble_pidsafe',
  'softedge_pidsafe',
  'normal_bae',
  'lineart_coarse',
  'lineart_realistic',
  'lineart_anime',
  'shuffle',
  'mediapipe_face',
]);

/** `controlnet` in the reference shape: conditioning image as a data URL. Not supported in v1. */
export const sdControlnetSchema = z.strictObject({
  model: modelNameSchema,
  variant: variantSchema.nullish(),
  image_dataurl: z
    .string()
    .regex(/^data:image\/[a-z+.-]+;base64,[A-Za-z0-9+/]+={0,2}$/, 'expected a base64 image data URL'),
  weight: percentSchema.default(100),
  preprocess: z
    .strictObject({
      method: controlnetPreprocessMethodSchema,
      args: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    })
    .optional(),
});

/** `refiner` in the reference shape (SDXL refiner). Not supported in v1. */
export const sdRefinerSchema = z.strictObject({
  model: modelNameSchema,
  variant: variantSchema.nullish(),
  /** Percent of the denoising done by the base model before the refiner takes over. */
  denoising_cutoff: percentSchema.default(80),
  steps: z.int().min(1).max(100).default(20),
});

/**
 * Stable Diffusion text-to-image arguments, version 1. Unknown fields are refused. `lora`, `controlnet`,
 * `textual_inversion`, `refiner`, `unet` and `vae` have their reference shapes here so that applications get
 * precise errors, but `parseTaskArgs` refuses them as not supported by this worker version.
 */
export const sdTaskArgsSchema = z
  .strictObject({
    version: versionFieldSchema(1).default(SD_TASK_ARGS_VERSION),
    base_model: namedModelSchema.transform(toNamedModel),
    prompt: z.string().max(10_000),
    negative_prompt: z.string().max(10_000).default(''),
    dtype: dtypeSchema.default('auto'),
    task_config: sdTaskConfigSchema.prefault({}),
    scheduler: sdSchedulerSchema.prefault({ method: 'DDIM' }),
    unet: modelRefSchema.optional(),
    vae: modelRefSchema.optional(),
    textual_inversion: sdTextualInversionsSchema.optional(),
    lora: sdLorasSchema.optional(),
    controlnet: sdControlnetSchema.optional(),
    refiner: sdRefinerSchema.optional(),
  })
  .superRefine((args, ctx) => {
    const { scheduler, task_config } = args;
    if (scheduler.method === 'LCM' && task_config.steps > scheduler.args.original_inference_steps) {
      ctx.addIssue({
        code: 'custom',
        path: ['task_config', 'steps'],
        message: `LCM takes at most original_inference_steps (${scheduler.args.original_inference_steps}) steps`,
      });
    }
  });

/** Stable Diffusion arguments as an application writes them (defaults may be left out). */
export type SdTaskArgsInput = z.input<typeof sdTaskArgsSchema>;
/** Stable Diffusion arguments after parsing: defaults applied, `base_model` normalized to `{ name, variant }`. */
export type SdTaskArgs = z.output<typeof sdTaskArgsSchema>;

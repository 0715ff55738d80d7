import { z } from 'zod';
import {
  dtypeSchema,
  MAX_SEED,
  modelNameSchema,
  modelRefSchema,
  namedModelSchema,
  seedSchema,
  toNamedModel,
  variantSchema,
  versionFieldSchema,
} from './common.js';

/**
 * The newest Stable Diffusion argument version this package implements. A task that leaves `version` out is
 * version 1.0.0, forever: a default that moved with the package would let nodes of different minor versions
 * in one validation group read the same bytes differently.
 */
export const SD_TASK_ARGS_VERSION = '1.2.0';
/** The version of a task that does not name one. */
export const SD_TASK_ARGS_DEFAULT_VERSION = '1.0.0';

/** Image side: a multiple of 8 (the VAE downscales by 8) between 64 and 2048 pixels. */
const imageSideSchema = z.int().min(64).max(2048).multipleOf(8);
/** Weights in the reference shapes are integer percents. */
const percentSchema = z.int().min(0).max(100);

/** How sampling timesteps are spread over the 1000 training steps (as diffusers names it). */
export const timestepSpacingSchema = z.enum(['leading', 'trailing', 'linspace']);

/** The diffusers config keys every scheduler class takes (the reference network's common args). */
const commonSchedulerArgs = {
  num_train_timesteps: z.int().min(2).max(10_000).optional(),
  beta_start: z.number().gt(0).lt(1).optional(),
  beta_end: z.number().gt(0).lt(1).optional(),
  beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']).optional(),
  prediction_type: z.enum(['epsilon', 'v_prediction', 'sample']).optional(),
  timestep_spacing: timestepSpacingSchema.optional(),
  steps_offset: z.int().min(0).max(1000).optional(),
};
const rescaleArg = { rescale_betas_zero_snr: z.boolean().optional() };
const clipArgs = {
  clip_sample: z.boolean().optional(),
  clip_sample_range: z.number().gt(0).max(1000).optional(),
};
const thresholdArgs = {
  thresholding: z.boolean().optional(),
  dynamic_thresholding_ratio: z.number().gt(0).max(1).optional(),
  sample_max_value: z.number().gt(0).max(1000).optional(),
};
const sigmaSpacingArgs = {
  use_karras_sigmas: z.boolean().optional(),
  use_exponential_sigmas: z.boolean().optional(),
  use_beta_sigmas: z.boolean().optional(),
  final_sigmas_type: z.enum(['zero', 'sigma_min']).optional(),
};

/**
 * Scheduler names: our short names and the diffusers class names the reference network sends
 * (`DPMSolverMultistepScheduler`, …), which are aliases (task version 1.1.0 on).
 */
const methodSchema = <Short extends string>(short: Short) => z.enum([short, `${short}Scheduler`] as const);

/**
 * Per-method scheduler arguments: diffusers config keys of that class, merged over the model's
 * scheduler_config.json as `Class.from_config(model_config, **args)` does (fields left out keep the model's
 * value, then the class default). Values the worker does not implement are refused as unsupported.
 */
export const sdSchedulerSchema = z.discriminatedUnion('method', [
  z.strictObject({
    method: methodSchema('DDIM'),
    args: z
      .strictObject({
        /** Weight of the stochastic term; 0 is deterministic DDIM (a step argument in diffusers). */
        eta: z.number().min(0).max(1).default(0),
        ...commonSchedulerArgs,
        ...rescaleArg,
        set_alpha_to_one: z.boolean().optional(),
        ...clipArgs,
        ...thresholdArgs,
      })
      .prefault({}),
  }),
  z.strictObject({
    method: methodSchema('PNDM'),
    args: z
      .strictObject({
        ...commonSchedulerArgs,
        skip_prk_steps: z.boolean().optional(),
        set_alpha_to_one: z.boolean().optional(),
      })
      .prefault({}),
  }),
  z.strictObject({
    method: methodSchema('EulerDiscrete'),
    args: z
      .strictObject({
        ...commonSchedulerArgs,
        ...rescaleArg,
        ...sigmaSpacingArgs,
        interpolation_type: z.enum(['linear', 'log_linear']).optional(),
        sigma_min: z.number().gt(0).nullish(),
        sigma_max: z.number().gt(0).nullish(),
        timestep_type: z.enum(['discrete', 'continuous']).optional(),
      })
      .prefault({}),
  }),
  z.strictObject({
    method: methodSchema('EulerAncestralDiscrete'),
    args: z.strictObject({ ...commonSchedulerArgs, ...rescaleArg }).prefault({}),
  }),
  z.strictObject({
    method: methodSchema('DPMSolverMultistep'),
    args: z
      .strictObject({
        /** DPM-Solver++; deis is diffusers' alias for it, the SDE and noise-prediction variants are refused. */
        algorithm_type: z
          .enum(['dpmsolver++', 'deis', 'sde-dpmsolver++', 'dpmsolver', 'sde-dpmsolver'])
          .default('dpmsolver++'),
        /** 1 or 2 (3 is refused). */
        solver_order: z.int().min(1).max(3).default(2),
        ...commonSchedulerArgs,
        ...rescaleArg,
        ...thresholdArgs,
        ...sigmaSpacingArgs,
        solver_type: z.enum(['midpoint', 'heun', 'logrho', 'bh1', 'bh2']).optional(),
        lower_order_final: z.boolean().optional(),
        euler_at_final: z.boolean().optional(),
        use_lu_lambdas: z.boolean().optional(),
        lambda_min_clipped: z.number().min(-1000).max(1000).optional(),
        variance_type: z.enum(['learned', 'learned_range']).nullish(),
      })
      .prefault({}),
  }),
  z.strictObject({
    method: methodSchema('LCM'),
    args: z
      .strictObject({
        /** The distillation schedule the LCM was trained on. */
        original_inference_steps: z.int().min(1).max(1000).default(50),
        ...commonSchedulerArgs,
        ...rescaleArg,
        ...clipArgs,
        set_alpha_to_one: z.boolean().optional(),
        ...thresholdArgs,
        timestep_scaling: z.number().gt(0).max(1000).optional(),
        /** The reference network's misspellings of clip_sample(_range); diffusers ignores them there. Refused. */
        clip_samples: z.union([z.boolean(), z.number()]).optional(),
        clip_samples_range: z.number().optional(),
      })
      .prefault({}),
  }),
]);
export type SdScheduler = z.output<typeof sdSchedulerSchema>;
/** The method as written: a short name or its diffusers class-name alias. */
export type SdSchedulerMethodName = SdScheduler['method'];
/** Our short scheduler names. */
export type SdSchedulerMethod =
  | 'DDIM'
  | 'PNDM'
  | 'EulerDiscrete'
  | 'EulerAncestralDiscrete'
  | 'DPMSolverMultistep'
  | 'LCM';

/**
 * The short scheduler name of a method as written (`DPMSolverMultistepScheduler` → `DPMSolverMultistep`).
 *
 * @example
 * getSdSchedulerMethod('EulerAncestralDiscreteScheduler') // 'EulerAncestralDiscrete'
 */
export function getSdSchedulerMethod(method: SdSchedulerMethodName): SdSchedulerMethod {
  return (method.endsWith('Scheduler') ? method.slice(0, -'Scheduler'.length) : method) as SdSchedulerMethod;
}

/** The scheduler args keys task version 1.0.0 defined per method; every other key needs 1.1.0. */
export const sdSchedulerArgsV1_0: Record<SdSchedulerMethod, readonly string[]> = {
  DDIM: ['eta', 'timestep_spacing'],
  PNDM: [],
  EulerDiscrete: ['timestep_spacing'],
  EulerAncestralDiscrete: ['timestep_spacing'],
  DPMSolverMultistep: ['algorithm_type', 'solver_order', 'timestep_spacing'],
  LCM: ['original_inference_steps', 'timestep_spacing'],
};

/**
 * Generation settings. Where the defaults differ from the reference network's (num_images 6, cfg 5,
 * safety_checker true there), docs/task-args.md lists it; `seed + num_images − 1` may not pass MAX_SEED.
 */
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

/** A PNG image as a base64 data URL (PNG only: lossless, so every node decodes the same pixels). */
const pngDataUrlSchema = z
  .string()
  .regex(
    /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/,
    'expected a base64 PNG data URL (data:image/png;base64,…)',
  );

/**
 * Image-to-image (task version 1.1.0): the init image, exactly image_width × image_height 8-bit PNG pixels,
 * is encoded by the VAE and noised to the timestep at which `floor(steps · strength / 100)` denoising steps
 * remain, as diffusers' StableDiffusionImg2ImgPipeline does with strength / 100.
 */
export const sdInitImageSchema = z.strictObject({
  image_dataurl: pngDataUrlSchema,
  /** Percent of the denoising schedule run on the noised image (diffusers' strength · 100; default 0.8). */
  strength: percentSchema.default(80),
});

/**
 * Inpainting (task version 1.1.0), as diffusers' StableDiffusionInpaintPipeline: the image and a mask of the
 * same size, white (luma ≥ 128) where the model repaints; an inpainting model (9-channel UNet) or any model
 * through the pipeline's legacy latent blending.
 */
export const sdInpaintSchema = z.strictObject({
  image_dataurl: pngDataUrlSchema,
  mask_dataurl: pngDataUrlSchema,
  /** As for image-to-image; 100 (diffusers' default 1.0) starts from pure noise. */
  strength: percentSchema.default(100),
});

/** Width, height, bit depth and colour type from a PNG data URL's IHDR chunk, or undefined if it has none. */
export function readPngHeader(
  dataUrl: string,
): { width: number; height: number; bitDepth: number; colorType: number } | undefined {
  const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1, dataUrl.indexOf(',') + 1 + 44);
  const bytes = Uint8Array.from(atob(base64.length === 44 ? base64 : ''), (c) => c.charCodeAt(0));
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  if (String.fromCharCode(...bytes.slice(12, 16)) !== 'IHDR') return undefined;
  const view = new DataView(bytes.buffer);
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24]!,
    colorType: bytes[25]!,
  };
}

/**
 * `refiner` in the reference shape (SDXL refiner, task version 1.2.0): the base denoises down to
 * `denoising_cutoff` percent of the schedule, the refiner model runs its own `steps` from there.
 */
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
    version: versionFieldSchema(1).default(SD_TASK_ARGS_DEFAULT_VERSION),
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
    init_image: sdInitImageSchema.optional(),
    inpaint: sdInpaintSchema.optional(),
  })
  .superRefine((args, ctx) => {
    const { scheduler, task_config } = args;
    if (args.init_image && args.inpaint)
      ctx.addIssue({
        code: 'custom',
        path: ['inpaint'],
        message: 'use either init_image or inpaint, not both',
      });
    const images = [
      ...(args.init_image ? [['init_image', 'image_dataurl', args.init_image.image_dataurl] as const] : []),
      ...(args.inpaint
        ? [
            ['inpaint', 'image_dataurl', args.inpaint.image_dataurl] as const,
            ['inpaint', 'mask_dataurl', args.inpaint.mask_dataurl] as const,
          ]
        : []),
    ];
    for (const [field, key, dataUrl] of images) {
      const header = readPngHeader(dataUrl);
      const size = `${task_config.image_width}×${task_config.image_height}`;
      if (!header) ctx.addIssue({ code: 'custom', path: [field, key], message: 'not a PNG image' });
      else if (header.width !== task_config.image_width || header.height !== task_config.image_height)
        ctx.addIssue({
          code: 'custom',
          path: [field, key],
          message: `the image is ${header.width}×${header.height}; it must be task_config's ${size}`,
        });
      else if (header.bitDepth !== 8)
        ctx.addIssue({ code: 'custom', path: [field, key], message: 'only 8-bit PNG images are read' });
    }
    const strength = args.init_image?.strength ?? args.inpaint?.strength;
    if (strength !== undefined && Math.floor((task_config.steps * strength) / 100) < 1)
      ctx.addIssue({
        code: 'custom',
        path: [args.init_image ? 'init_image' : 'inpaint', 'strength'],
        message: `floor(steps × strength / 100) must be at least 1 denoising step (steps ${task_config.steps}, strength ${strength})`,
      });
    // Image i is generated from seed + i: the last image's seed must stay in the range a task may request, or
    // a task could reach seeds no single-image task can name.
    if (task_config.seed + task_config.num_images - 1 > MAX_SEED) {
      ctx.addIssue({
        code: 'custom',
        path: ['task_config', 'seed'],
        message: `image i uses seed + i, so seed + num_images - 1 (${task_config.seed + task_config.num_images - 1}) must not exceed ${MAX_SEED}`,
      });
    }
    if (
      getSdSchedulerMethod(scheduler.method) === 'LCM' &&
      'original_inference_steps' in scheduler.args &&
      task_config.steps > scheduler.args.original_inference_steps
    ) {
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

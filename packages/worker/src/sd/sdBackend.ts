import { join } from 'node:path';
import { getSdSchedulerMethod, type SdTaskArgs } from '@verinet/protocol/args';
import type { Tensor } from 'onnxruntime-node';
import type { Backend, BackendCapabilities, ResultFile, RunContext } from '../backend/types.js';
import { getModelDir } from '../models/index.js';
import { type PreparedSdAdapters, prepareSdAdapters, type SdAdapterRequest } from './adapters/index.js';
import { getSdCapabilities } from './capabilities.js';
import { type ControlnetBundle, loadControlnet, prepareControlImage } from './controlnet/index.js';
import { SdUnsupportedArgumentError } from './errors.js';
import { writePng } from './image/writePng.js';
import { loadSdModel, type SdModel } from './model/loadSdModel.js';
import { decodePngDataUrl } from './pipeline/decodePngDataUrl.js';
import { generateImages } from './pipeline/generateImages.js';
import type { ImageInput } from './pipeline/prepareStart.js';
import {
  createSdxlHooks,
  createSdxlRefiner,
  isSdxlModel,
  loadSdxl,
  loadSdxlRefiner,
  type SdxlParts,
  type SdxlRefiner,
} from './sdxl/index.js';

/** Checks the parts of parsed SD arguments this backend cannot honour (beyond what the schema refuses). */
function checkSupported(args: SdTaskArgs): void {
  if (args.dtype === 'float16' || args.dtype === 'bfloat16')
    throw new SdUnsupportedArgumentError({
      argument: 'dtype',
      reason: `${args.dtype} is not run by this worker version; use float32 or auto (float32)`,
    });
  // diffusers' ControlNet inpainting feeds the ControlNet the 4-channel latents while the UNet takes 9: not wired.
  if (args.controlnet && args.inpaint)
    throw new SdUnsupportedArgumentError({
      argument: 'controlnet',
      reason: 'ControlNet together with inpaint is not implemented by this worker version (init_image is)',
    });
  if (args.controlnet?.variant != null)
    throw new SdUnsupportedArgumentError({
      argument: 'controlnet.variant',
      reason: `the model store keeps one copy per model id; variant "${args.controlnet.variant}" cannot be selected`,
    });
  if (args.refiner?.variant != null)
    throw new SdUnsupportedArgumentError({
      argument: 'refiner.variant',
      reason: `the model store keeps one copy per model id; variant "${args.refiner.variant}" cannot be selected`,
    });
  if (args.refiner && (args.init_image || args.inpaint))
    throw new SdUnsupportedArgumentError({
      argument: 'refiner',
      reason: 'the refiner after image-to-image or inpainting is not implemented by this worker version',
    });
  if (args.base_model.variant !== null)
    throw new SdUnsupportedArgumentError({
      argument: 'base_model.variant',
      reason: `the model store keeps one copy per model id; variant "${args.base_model.variant}" cannot be selected`,
    });
}

/** Decodes the task's init image or inpainting image and mask (PNG data URLs of the task's size). */
async function readImageInput(args: SdTaskArgs): Promise<ImageInput | undefined> {
  const { image_width: width, image_height: height } = args.task_config;
  if (args.init_image) {
    const { rgb } = await decodePngDataUrl({
      dataUrl: args.init_image.image_dataurl,
      width,
      height,
      argument: 'init_image.image_dataurl',
    });
    return { kind: 'img2img', rgb, strength: args.init_image.strength };
  }
  if (args.inpaint) {
    const [{ rgb }, { rgb: maskRgb }] = await Promise.all([
      decodePngDataUrl({
        dataUrl: args.inpaint.image_dataurl,
        width,
        height,
        argument: 'inpaint.image_dataurl',
      }),
      decodePngDataUrl({
        dataUrl: args.inpaint.mask_dataurl,
        width,
        height,
        argument: 'inpaint.mask_dataurl',
      }),
    ]);
    return { kind: 'inpaint', rgb, maskRgb, strength: args.inpaint.strength };
  }
  return undefined;
}

/**
 * Creates the Stable Diffusion backend: text-to-image on onnxruntime-node with our own tokenizer,
 * schedulers and seeded noise. Tasks run one at a time, in call order; one model's sessions stay loaded
 * between tasks (keyed by model, store, threads and execution provider).
 *
 * @example
 * const backend = createSdBackend();
 * const files = await backend.run(args, { outputDir, modelsDir, threads: 2, executionProvider: 'cpu', onProgress, signal });
 */
export function createSdBackend(): Backend<SdTaskArgs> {
  type Loaded = {
    model: SdModel;
    prepared: PreparedSdAdapters | undefined;
    /** SDXL's second text encoder and checks, when the model folder is SDXL-shaped. */
    sdxl: SdxlParts | undefined;
    release(): Promise<void>;
  };
  let loaded: { key: string; model: Promise<Loaded> } | undefined;
  // ControlNet sessions, kept while the base model (with its adapters) stays loaded.
  let controlnet: { key: string; bundle: Promise<ControlnetBundle> } | undefined;
  const releaseControlnet = async () => {
    const current = controlnet;
    controlnet = undefined;
    if (current) await (await current.bundle.catch(() => undefined))?.release();
  };
  // The SDXL refiner's UNet, kept while the base model stays loaded.
  let refiner: { key: string; model: Promise<SdxlRefiner> } | undefined;
  const releaseRefiner = async () => {
    const current = refiner;
    refiner = undefined;
    if (current) await (await current.model.catch(() => undefined))?.release();
  };
  let queue: Promise<void> = Promise.resolve();

  const getModel = async (modelId: string, ctx: RunContext, adapters: SdAdapterRequest): Promise<Loaded> => {
    // Adapters are merged into the graphs, so a model with other adapters is another set of sessions.
    const key = JSON.stringify([ctx.modelsDir, modelId, ctx.threads, ctx.executionProvider, adapters]);
    if (loaded?.key !== key) {
      const previous = loaded;
      loaded = undefined;
      await releaseControlnet();
      await releaseRefiner();
      if (previous) await (await previous.model.catch(() => undefined))?.release();
      const withAdapters = adapters.loras.length > 0 || adapters.textualInversions.length > 0;
      const model = (async () => {
        const prepared = withAdapters
          ? await prepareSdAdapters({ modelsDir: ctx.modelsDir, modelId, request: adapters })
          : undefined;
        const base = await loadSdModel({
          modelsDir: ctx.modelsDir,
          modelId,
          threads: ctx.threads,
          executionProvider: ctx.executionProvider,
          prepareGraph: prepared?.prepareGraph,
        });
        const sdxl = (await isSdxlModel(base.dir))
          ? await loadSdxl({ base, threads: ctx.threads, executionProvider: ctx.executionProvider }).catch(
              async (error: unknown) => {
                await base.release();
                throw error;
              },
            )
          : undefined;
        return {
          model: prepared ? prepared.finish(base) : base,
          prepared,
          sdxl,
          release: async () => {
            await sdxl?.release();
            await base.release();
          },
        };
      })();
      loaded = { key, model };
      model.catch(() => {
        if (loaded?.model === model) loaded = undefined;
      });
    }
    return loaded.model;
  };

  const runTask = async (args: SdTaskArgs, ctx: RunContext): Promise<ResultFile[]> => {
    checkSupported(args);
    if (
      (await isSdxlModel(getModelDir(ctx.modelsDir, args.base_model.name))) &&
      (args.lora || args.textual_inversion || args.controlnet)
    ) {
      const field = args.lora ? 'lora' : args.textual_inversion ? 'textual_inversion' : 'controlnet';
      throw new SdUnsupportedArgumentError({
        argument: field,
        reason: `${field} on SDXL models (two text encoders) is not implemented by this worker version`,
      });
    }
    const { model, prepared, sdxl } = await getModel(args.base_model.name, ctx, {
      loras: args.lora ?? [],
      textualInversions: args.textual_inversion ?? [],
    });
    const config = args.task_config;
    let runUnet: ((feeds: Record<string, Tensor>) => Promise<Tensor>) | undefined;
    if (args.controlnet) {
      const controlImage = await prepareControlImage({
        dataUrl: args.controlnet.image_dataurl,
        width: config.image_width,
        height: config.image_height,
        preprocess: args.controlnet.preprocess,
      });
      const key = JSON.stringify([loaded?.key, args.controlnet.model]);
      if (controlnet?.key !== key) {
        await releaseControlnet();
        const bundle = loadControlnet({
          modelsDir: ctx.modelsDir,
          controlnetId: args.controlnet.model,
          base: model,
          threads: ctx.threads,
          executionProvider: ctx.executionProvider,
          prepareGraph: prepared?.prepareGraph,
        });
        controlnet = { key, bundle };
        bundle.catch(() => {
          if (controlnet?.bundle === bundle) controlnet = undefined;
        });
      }
      runUnet = (await controlnet!.bundle).createRunUnet({
        image: controlImage,
        width: config.image_width,
        height: config.image_height,
        scale: args.controlnet.weight / 100,
      });
    }
    const sdxlHooks = sdxl
      ? createSdxlHooks({ model, parts: sdxl, width: config.image_width, height: config.image_height })
      : undefined;
    let latentRefiner: Awaited<ReturnType<typeof createSdxlRefiner>> | undefined;
    if (args.refiner) {
      if (!sdxl)
        throw new SdUnsupportedArgumentError({
          argument: 'refiner',
          reason: `the refiner runs after an SDXL base model; "${args.base_model.name}" is not SDXL-shaped`,
        });
      const key = JSON.stringify([loaded?.key, args.refiner.model]);
      if (refiner?.key !== key) {
        await releaseRefiner();
        const model = loadSdxlRefiner({
          modelsDir: ctx.modelsDir,
          modelId: args.refiner.model,
          threads: ctx.threads,
          executionProvider: ctx.executionProvider,
        });
        refiner = { key, model };
        model.catch(() => {
          if (refiner?.model === model) refiner = undefined;
        });
      }
      latentRefiner = await createSdxlRefiner({
        refiner: await refiner!.model,
        parts: sdxl,
        prompt: args.prompt,
        negativePrompt: args.negative_prompt,
        steps: args.refiner.steps,
        denoisingCutoff: args.refiner.denoising_cutoff,
      });
    }
    const cutoff = args.refiner?.denoising_cutoff;
    const image = await readImageInput(args);
    const images = await generateImages({
      model,
      prompt: args.prompt,
      negativePrompt: args.negative_prompt,
      width: config.image_width,
      height: config.image_height,
      steps: config.steps,
      seed: config.seed,
      numImages: config.num_images,
      cfg: config.cfg,
      scheduler: { method: getSdSchedulerMethod(args.scheduler.method), args: args.scheduler.args },
      signal: ctx.signal,
      runUnet: runUnet ?? sdxlHooks?.runUnet,
      encodePrompt: sdxlHooks?.encodePrompt,
      image,
      // diffusers applies denoising_end only inside (0, 1); at 0 or 100 the base runs every step.
      denoisingEnd: cutoff !== undefined && cutoff > 0 && cutoff < 100 ? cutoff / 100 : undefined,
      refiner: latentRefiner,
      onStep: ({ image, step, steps }) =>
        ctx.onProgress({
          step: image * steps + step,
          total: config.num_images * steps,
          message: `image ${image + 1}/${config.num_images}`,
        }),
    });
    const files: ResultFile[] = [];
    for (const [index, image] of images.entries()) {
      const name = `${index}.png`;
      const path = join(ctx.outputDir, name);
      await writePng({ path, rgb: image.rgb, width: image.width, height: image.height });
      files.push({ name, path, mediaType: 'image/png' });
    }
    return files;
  };

  return {
    taskType: 'sd',
    capabilities: (modelsDir: string): Promise<BackendCapabilities> => getSdCapabilities(modelsDir),
    run(args: SdTaskArgs, ctx: RunContext): Promise<ResultFile[]> {
      // One task at a time: a task for another model would otherwise release sessions still in use.
      const result = queue.then(() => runTask(args, ctx));
      queue = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    async dispose() {
      await queue;
      await releaseControlnet();
      await releaseRefiner();
      const current = loaded;
      loaded = undefined;
      if (current) await (await current.model.catch(() => undefined))?.release();
    },
  };
}

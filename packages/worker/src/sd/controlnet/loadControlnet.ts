import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { resolveModel } from '../../models/index.js';
import type { SdModel } from '../model/loadSdModel.js';
import { type GetSdSessionOptionsParameters, getSdSessionOptions } from '../model/sessionOptions.js';
import { SdControlnetError } from './errors.js';

/** The base model's UNet exported with ControlNet residual inputs. */
export const controlnetUnetFile = 'unet_controlnet/model.onnx';

export type ControlnetRunParameters = {
  /** `controlnet_cond` of one image, [3, height, width] values in [0, 1]. */
  image: Float32Array;
  width: number;
  height: number;
  /** controlnet_conditioning_scale (the task's weight / 100). */
  scale: number;
};

export type ControlnetBundle = {
  /**
   * A drop-in for the base UNet (same feeds, returns `out_sample`) that runs the ControlNet on the
   * conditioning image, then the residual UNet.
   */
  createRunUnet(parameters: ControlnetRunParameters): (feeds: Record<string, Tensor>) => Promise<Tensor>;
  release(): Promise<void>;
};

export type LoadControlnetParameters = GetSdSessionOptionsParameters & {
  modelsDir: string;
  /** ControlNet model id in the store (holds model.onnx). */
  controlnetId: string;
  base: SdModel;
  /** The base model's adapter hook (LoRA on the UNet applies to unet_controlnet too). */
  prepareGraph?: ((file: string, bytes: Uint8Array) => Promise<Uint8Array>) | undefined;
};

function inputType(session: InferenceSession, name: string): string | undefined {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta?.isTensor ? meta.type : undefined;
}

/**
 * Loads a ControlNet and the base model's residual UNet and returns the UNet replacement diffusers'
 * StableDiffusionControlNetPipeline computes: the ControlNet's down/mid residuals (already × conditioning_scale)
 * added inside the UNet. Input/output names and types are checked, and every residual output is paired with the
 * UNet input of the same index.
 *
 * @throws SdControlnetError naming the file and the missing or mismatched input/output.
 */
export async function loadControlnet(parameters: LoadControlnetParameters): Promise<ControlnetBundle> {
  const { modelsDir, controlnetId, base, prepareGraph } = parameters;
  const options = getSdSessionOptions(parameters);
  const { dir } = await resolveModel({ modelsDir, modelId: controlnetId });
  const unetPath = join(base.dir, controlnetUnetFile);
  if (!(await stat(unetPath).catch(() => undefined))?.isFile())
    throw new SdControlnetError({
      model: base.modelId,
      file: controlnetUnetFile,
      reason: 'is missing: the base model has no UNet export that takes ControlNet residuals',
    });
  const sessions: InferenceSession[] = [];
  const open = async (model: string, path: string, file: string, prepare: boolean) => {
    if (!(await stat(path).catch(() => undefined))?.isFile())
      throw new SdControlnetError({ model, file, reason: 'is missing' });
    const bytes =
      prepare && prepareGraph ? await prepareGraph(file, new Uint8Array(await readFile(path))) : undefined;
    try {
      const session = await (bytes
        ? InferenceSession.create(bytes, options)
        : InferenceSession.create(path, options));
      sessions.push(session);
      return session;
    } catch (error) {
      throw new SdControlnetError({
        model,
        file,
        reason: `onnxruntime cannot load it (${(error as Error).message})`,
      });
    }
  };
  try {
    const controlnet = await open(controlnetId, join(dir, 'model.onnx'), 'model.onnx', false);
    const unet = await open(base.modelId, unetPath, controlnetUnetFile, true);
    const fail = (model: string, file: string, reason: string): never => {
      throw new SdControlnetError({ model, file, reason });
    };
    const expect = (
      session: InferenceSession,
      model: string,
      file: string,
      name: string,
      types: readonly string[],
    ) => {
      const type = inputType(session, name);
      if (type === undefined || !types.includes(type))
        fail(
          model,
          file,
          `input "${name}" is ${type ?? 'missing'}, expected ${types.join(' or ')} (inputs: ${session.inputNames.join(', ')})`,
        );
    };
    const timestepType = base.timestepType;
    for (const [session, model, file] of [
      [controlnet, controlnetId, 'model.onnx'],
      [unet, base.modelId, controlnetUnetFile],
    ] as const) {
      expect(session, model, file, 'sample', ['float32']);
      expect(session, model, file, 'timestep', [timestepType]);
      expect(session, model, file, 'encoder_hidden_states', ['float32']);
    }
    expect(controlnet, controlnetId, 'model.onnx', 'controlnet_cond', ['float32']);
    expect(controlnet, controlnetId, 'model.onnx', 'conditioning_scale', ['float32']);
    const downs = controlnet.outputNames.filter((n) => /^down_block_res_samples_\d+$/.test(n)).length;
    if (downs === 0)
      fail(
        controlnetId,
        'model.onnx',
        `no down_block_res_samples_<i> outputs (has ${controlnet.outputNames.join(', ')})`,
      );
    const pairs: [string, string][] = Array.from({ length: downs }, (_, i) => [
      `down_block_res_samples_${i}`,
      `down_block_additional_residuals_${i}`,
    ]);
    pairs.push(['mid_block_res_sample', 'mid_block_additional_residual']);
    for (const [output, input] of pairs) {
      if (!controlnet.outputNames.includes(output)) fail(controlnetId, 'model.onnx', `no output "${output}"`);
      expect(unet, base.modelId, controlnetUnetFile, input, ['float32']);
    }
    const unetInputs = new Set([
      'sample',
      'timestep',
      'encoder_hidden_states',
      ...pairs.map(([, input]) => input),
    ]);
    const extra = unet.inputNames.filter((n) => !unetInputs.has(n));
    if (extra.length > 0)
      fail(
        base.modelId,
        controlnetUnetFile,
        `inputs ${extra.join(', ')} have no ControlNet output (${downs} down residuals)`,
      );
    if (!unet.outputNames.includes('out_sample'))
      fail(base.modelId, controlnetUnetFile, 'no output "out_sample"');
    const scaleMeta = controlnet.inputMetadata.find((m) => m.name === 'conditioning_scale');
    const scaleDims = scaleMeta?.isTensor && scaleMeta.shape.length === 0 ? [] : [1];
    return {
      createRunUnet({ image, width, height, scale }) {
        if (image.length !== 3 * width * height)
          throw new RangeError('the conditioning image is not [3, height, width]');
        const conditioningScale = new Tensor('float32', Float32Array.of(scale), scaleDims);
        const conds = new Map<number, Tensor>();
        const condFor = (batch: number): Tensor => {
          let cond = conds.get(batch);
          if (!cond) {
            const data = new Float32Array(batch * image.length);
            for (let b = 0; b < batch; b++) data.set(image, b * image.length);
            cond = new Tensor('float32', data, [batch, 3, height, width]);
            conds.set(batch, cond);
          }
          return cond;
        };
        return async (feeds) => {
          const batch = feeds.sample!.dims[0]!;
          const residuals = await controlnet.run(
            { ...feeds, controlnet_cond: condFor(batch), conditioning_scale: conditioningScale },
            pairs.map(([output]) => output),
          );
          const unetFeeds: Record<string, Tensor> = { ...feeds };
          for (const [output, input] of pairs) unetFeeds[input] = residuals[output]!;
          try {
            const result = await unet.run(unetFeeds, ['out_sample']);
            return result.out_sample!;
          } finally {
            for (const [output] of pairs) residuals[output]!.dispose();
          }
        };
      },
      release: async () => {
        await Promise.all(sessions.map((s) => s.release()));
      },
    };
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release()));
    throw error;
  }
}

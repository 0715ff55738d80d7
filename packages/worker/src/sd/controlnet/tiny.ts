import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManifest, writeManifest } from '../../models/index.js';
import {
  attention,
  conv2d,
  createGraphBuilder,
  type GraphBuilder,
  layerNorm,
  linear,
  silu,
} from '../../onnx/index.js';
import { writeTinyAdapterModel, writeTinyAdapterSdModel } from '../lora/tiny.js';
import { defaultTinySdSizes } from '../tiny/index.js';

/** Down-block residuals of the tiny UNet (and outputs of the tiny ControlNet). */
export const tinyControlnetDownBlocks = 2;

function timestepEmbedding(g: GraphBuilder, timestep: string, c: number): string {
  const half = c / 2;
  const frequencies = Array.from({ length: half }, (_, k) => 2 ** -k);
  const angles = g.op('Mul', [
    g.op('Unsqueeze', [timestep, g.int64s([1])]),
    g.float32s(frequencies, [1, half]),
  ]);
  const sinusoid = g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: 1 });
  const embedding = linear(
    g,
    silu(g, linear(g, sinusoid, 'time_embedding.linear_1', c, c)),
    'time_embedding.linear_2',
    c,
    c,
  );
  return g.op('Unsqueeze', [embedding, g.int64s([2, 3])]);
}

function crossAttention(
  g: GraphBuilder,
  h: string,
  context: string,
  prefix: string,
  c: number,
  hidden: number,
): string {
  const shape = g.op('Shape', [h]);
  const tokens = g.op('Transpose', [g.op('Reshape', [h, g.int64s([0, 0, -1])])], { perm: [0, 2, 1] });
  const attended = attention(g, {
    query: layerNorm(g, tokens, `${prefix}.norm`, c),
    context,
    prefix,
    features: c,
    contextFeatures: hidden,
  });
  return g.op('Reshape', [g.op('Transpose', [g.op('Add', [tokens, attended])], { perm: [0, 2, 1] }), shape]);
}

/**
 * A UNet-shaped denoiser with skip connections, in two variants with the same seeded weights: the diffusers
 * ONNX interface (`unet/model.onnx`), and with ControlNet residual inputs (`unet_controlnet/model.onnx`):
 * `down_block_additional_residuals_0..1` added to the two skip features and `mid_block_additional_residual`
 * to the middle block's output, as diffusers' UNet2DConditionModel adds them. Zero residuals give the plain
 * UNet's output exactly.
 */
export function buildTinyControlnetUnet(seed: number, withResiduals: boolean): Uint8Array {
  const { hidden, unetChannels: c } = defaultTinySdSizes;
  const g = createGraphBuilder({ name: withResiduals ? 'tiny_unet_controlnet' : 'tiny_unet_skips', seed });
  const sample = g.input('sample', 'float32', ['batch', 4, 'height', 'width']);
  const timestep = g.input('timestep', 'float32', ['batch']);
  const context = g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', hidden]);
  const residual = (name: string, h: string) =>
    withResiduals ? g.op('Add', [h, g.input(name, 'float32', ['batch', c, 'height', 'width'])]) : h;
  const h0 = g.op('Add', [conv2d(g, sample, 'conv_in', 4, c), timestepEmbedding(g, timestep, c)]);
  const h1 = g.op('Add', [h0, conv2d(g, silu(g, h0), 'down_blocks.0.resnets.0.conv1', c, c)]);
  const skip0 = residual('down_block_additional_residuals_0', h0);
  const skip1 = residual('down_block_additional_residuals_1', h1);
  const mid = residual(
    'mid_block_additional_residual',
    crossAttention(g, h1, context, 'mid_block.attn', c, hidden),
  );
  const up = g.op('Add', [
    g.op('Add', [mid, skip1]),
    conv2d(g, silu(g, mid), 'up_blocks.0.resnets.0.conv1', c, c),
  ]);
  const out = g.op('Add', [up, skip0]);
  g.output(
    g.op('Mul', [conv2d(g, silu(g, out), 'conv_out', c, 4), g.float32s([4])]),
    'float32',
    ['batch', 4, 'height', 'width'],
    'out_sample',
  );
  return g.toBytes();
}

/**
 * A ControlNet-shaped graph with diffusers' ControlNetModel interface: `sample`, `timestep`,
 * `encoder_hidden_states`, `controlnet_cond` [batch, 3, 8h, 8w] in [0, 1], `conditioning_scale` [1] ->
 * `down_block_res_samples_0..1`, `mid_block_res_sample`, each already multiplied by the scale. The
 * conditioning image is embedded by three stride-2 convolutions (8× down, like the real cond embedding).
 */
export function buildTinyControlnet(seed: number): Uint8Array {
  const { hidden, unetChannels: c } = defaultTinySdSizes;
  const g = createGraphBuilder({ name: 'tiny_controlnet', seed });
  const sample = g.input('sample', 'float32', ['batch', 4, 'height', 'width']);
  const timestep = g.input('timestep', 'float32', ['batch']);
  const context = g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', hidden]);
  const cond = g.input('controlnet_cond', 'float32', ['batch', 3, 'image_height', 'image_width']);
  const scale = g.input('conditioning_scale', 'float32', [1]);
  let e = cond;
  for (const [i, [cin, cout]] of [
    [3, 16],
    [16, 16],
    [16, c],
  ].entries()) {
    const weight = g.randomInitializer(`controlnet_cond_embedding.blocks.${i}.weight`, [cout!, cin!, 3, 3], {
      scale: 1 / Math.sqrt(cin! * 9),
    });
    const bias = g.randomInitializer(`controlnet_cond_embedding.blocks.${i}.bias`, [cout!], { scale: 0.1 });
    e = silu(
      g,
      g.op('Conv', [e, weight, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }),
    );
  }
  const h0 = g.op('Add', [
    g.op('Add', [conv2d(g, sample, 'conv_in', 4, c), timestepEmbedding(g, timestep, c)]),
    e,
  ]);
  const h1 = g.op('Add', [h0, conv2d(g, silu(g, h0), 'down_blocks.0.resnets.0.conv1', c, c)]);
  const mid = crossAttention(g, h1, context, 'mid_block.attn', c, hidden);
  const zero = (h: string, name: string) => g.op('Mul', [conv2d(g, h, `${name}.zero_conv`, c, c, 1), scale]);
  g.output(
    zero(h0, 'controlnet_down_blocks.0'),
    'float32',
    ['batch', c, 'height', 'width'],
    'down_block_res_samples_0',
  );
  g.output(
    zero(h1, 'controlnet_down_blocks.1'),
    'float32',
    ['batch', c, 'height', 'width'],
    'down_block_res_samples_1',
  );
  g.output(
    zero(mid, 'controlnet_mid_block'),
    'float32',
    ['batch', c, 'height', 'width'],
    'mid_block_res_sample',
  );
  return g.toBytes();
}

/**
 * Writes a tiny SD model whose `unet/model.onnx` is the skip-connection UNet and which also has the same UNet
 * with ControlNet residual inputs in `unet_controlnet/model.onnx` (and the LoRA weights maps).
 */
export async function writeTinyControlnetSdModel(parameters: {
  modelsDir: string;
  modelId: string;
  seed?: number | undefined;
}): Promise<string> {
  const { seed = 1 } = parameters;
  const dir = await writeTinyAdapterSdModel(parameters);
  await writeFile(join(dir, 'unet', 'model.onnx'), buildTinyControlnetUnet(seed + 1, false));
  // Its initializers are named `<module path>.weight`, the convention that needs no weights_map.json.
  await rm(join(dir, 'unet', 'weights_map.json'));
  await mkdir(join(dir, 'unet_controlnet'), { recursive: true });
  await writeFile(join(dir, 'unet_controlnet', 'model.onnx'), buildTinyControlnetUnet(seed + 1, true));
  await writeManifest(dir, await createManifest(dir, parameters.modelId, 'sd'));
  return dir;
}

/** Writes a tiny ControlNet model (`model.onnx`) into the store. */
export async function writeTinyControlnetModel(parameters: {
  modelsDir: string;
  modelId: string;
  seed?: number | undefined;
}): Promise<string> {
  return writeTinyAdapterModel({
    modelsDir: parameters.modelsDir,
    modelId: parameters.modelId,
    files: { 'model.onnx': buildTinyControlnet(parameters.seed ?? 5) },
  });
}

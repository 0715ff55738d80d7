import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OnnxProto } from '../../onnx/proto.js';
import { SdWeightsMapError } from './errors.js';

/**
 * How an ONNX initializer holds a module's weight: `torch` is PyTorch's own layout (Linear [out, in], Conv
 * [out, in, kh, kw], Embedding [rows, features]); `transposed` is a 2-D weight stored [in, out], as
 * torch.onnx writes a Linear that became a MatMul.
 */
export type WeightLayout = 'torch' | 'transposed';

export type WeightTarget = { initializer: string; layout: WeightLayout };

/** Module path (diffusers UNet / transformers CLIP names, e.g. `text_model.encoder.layers.0.mlp.fc1`) → initializer. */
export type WeightsMap = Map<string, WeightTarget>;

/** The file, inside a component folder (unet/, text_encoder/), stating the module → initializer mapping. */
export const weightsMapFileName = 'weights_map.json';
export const weightsMapFormat = 'verinet-weights-map/1';

export type WeightsMapFile = {
  format: typeof weightsMapFormat;
  modules: Record<string, WeightTarget>;
};

/**
 * Reads `<component>/weights_map.json` of a model folder. Without the file, every float initializer named
 * `<module>.weight` stands for module `<module>` in torch layout (what torch.onnx keeps for Conv and Gemm
 * weights); graphs whose Linear weights became anonymous MatMul initializers need the file.
 *
 * @throws SdWeightsMapError for a malformed file or a map that names an initializer the graph lacks.
 */
export async function loadWeightsMap(parameters: {
  model: string;
  dir: string;
  component: string;
  graph: OnnxProto.ModelProto;
}): Promise<WeightsMap> {
  const { model, dir, component, graph } = parameters;
  const file = `${component}/${weightsMapFileName}`;
  const fail = (reason: string): never => {
    throw new SdWeightsMapError({ model, file, reason });
  };
  const initializers = new Set((graph.graph?.initializer ?? []).map((t) => t.name ?? ''));
  let text: string | undefined;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const map: WeightsMap = new Map();
  if (text === undefined) {
    for (const name of initializers)
      if (name.endsWith('.weight')) map.set(name.slice(0, -7), { initializer: name, layout: 'torch' });
    return map;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  const body = parsed as Partial<WeightsMapFile>;
  if (typeof body !== 'object' || body === null || body.format !== weightsMapFormat)
    fail(`"format" must be "${weightsMapFormat}"`);
  if (typeof body.modules !== 'object' || body.modules === null || Array.isArray(body.modules))
    fail('"modules" must be an object');
  for (const [module, target] of Object.entries(body.modules as Record<string, unknown>)) {
    const { initializer, layout } = (target ?? {}) as Partial<WeightTarget>;
    if (typeof initializer !== 'string' || (layout !== 'torch' && layout !== 'transposed'))
      fail(`module "${module}" needs { initializer: string, layout: "torch" | "transposed" }`);
    if (!initializers.has(initializer as string))
      fail(`module "${module}" names initializer "${initializer}", which the graph does not have`);
    map.set(module, { initializer: initializer as string, layout: layout as WeightLayout });
  }
  return map;
}

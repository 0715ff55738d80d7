import type { OnnxProto } from '../../onnx/proto.js';
import {
  readFloatInitializer,
  type WeightsMap,
  type WeightTarget,
  writeFloatInitializer,
} from '../weights/index.js';
import { SdLoraError } from './errors.js';
import type { LoraComponent, LoraModule } from './parseLoraFile.js';

/** A parsed LoRA with the multiplier the task gives it (the task's percent / 100). */
export type WeightedLora = { lora: string; file: string; weight: number; modules: readonly LoraModule[] };

export type MergeLorasParameters = {
  model: string;
  component: LoraComponent;
  /** The component's graph file (for messages), e.g. `unet/model.onnx`. */
  graphFile: string;
  graph: OnnxProto.ModelProto;
  weightsMap: WeightsMap;
  loras: readonly WeightedLora[];
};

/** Resolves a module name (dotted, or kohya-flattened) against the model's module paths. */
function resolveTarget(
  weightsMap: WeightsMap,
  flat: Map<string, string[]>,
  entry: LoraModule,
): WeightTarget | string {
  if (entry.module.naming === 'diffusers') {
    const target = weightsMap.get(entry.module.name);
    return target ?? `module "${entry.module.name}" is not in the model's ${entry.component} weights map`;
  }
  const paths = flat.get(entry.module.name) ?? [];
  if (paths.length === 1) return weightsMap.get(paths[0]!)!;
  return paths.length === 0
    ? `no ${entry.component} module flattens to "${entry.module.name}"`
    : `"${entry.module.name}" is ambiguous (${paths.join(', ')})`;
}

/**
 * Merges LoRAs into one component's float32 initializers, before its session is created:
 * W' = W + Σ weight · scale · (up · down), the update of every LoRA computed and summed in float64 and
 * added to W with one rounding to float32, so the result does not depend on kernel order or thread count.
 * Linear updates [out, in] go to torch-layout [out, in] or transposed [in, out] initializers; conv updates
 * ([rank, in, kh, kw] down, [out, rank, 1, 1] up) to [out, in, kh, kw].
 *
 * @returns the number of initializers changed.
 * @throws SdLoraError naming the LoRA key whose module is unknown or whose shape does not fit.
 */
export function mergeLoras(parameters: MergeLorasParameters): number {
  const { model, component, graphFile, graph, weightsMap, loras } = parameters;
  const flat = new Map<string, string[]>();
  for (const path of weightsMap.keys()) {
    const key = path.replaceAll('.', '_');
    flat.set(key, [...(flat.get(key) ?? []), path]);
  }
  const deltas = new Map<string, { target: WeightTarget; dims: number[]; delta: Float64Array }>();
  for (const { lora, file, weight, modules } of loras) {
    for (const entry of modules) {
      if (entry.component !== component) continue;
      const fail = (reason: string): never => {
        throw new SdLoraError({ lora, file, reason: `"${entry.key}": ${reason}` });
      };
      const target = resolveTarget(weightsMap, flat, entry);
      if (typeof target === 'string') return fail(target);
      let slot = deltas.get(target.initializer);
      if (!slot) {
        const { dims } = readFloatInitializer(graph, target.initializer, { model, file: graphFile });
        slot = { target, dims, delta: new Float64Array(dims.reduce((p, d) => p * d, 1)) };
        deltas.set(target.initializer, slot);
      }
      const rank = entry.down.shape[0]!;
      const inner = entry.down.values.length / rank;
      const out = entry.up.shape[0]!;
      const { dims, delta } = slot;
      const torchShape = [out, ...entry.down.shape.slice(1)];
      const fits =
        target.layout === 'torch'
          ? dims.length === torchShape.length && dims.every((d, i) => d === torchShape[i])
          : torchShape.length === 2 && dims.length === 2 && dims[0] === torchShape[1] && dims[1] === out;
      // A Linear LoRA on a 1×1 conv (SD 1.x proj_in/proj_out) is [out, in] against [out, in, 1, 1].
      const pointwise =
        target.layout === 'torch' &&
        torchShape.length === 2 &&
        dims.length === 4 &&
        dims[0] === out &&
        dims[1] === torchShape[1] &&
        dims[2] === 1 &&
        dims[3] === 1;
      if (!fits && !pointwise)
        fail(
          `an update of shape [${torchShape}] does not fit initializer "${target.initializer}" [${dims}] (${target.layout} layout)`,
        );
      // A rank above min(out, in) adds nothing a full matrix could not, and would only multiply merge time.
      if (rank > Math.min(out, inner))
        fail(
          `rank ${rank} exceeds min(out, in) = ${Math.min(out, inner)} of initializer "${target.initializer}"`,
        );
      const factor = weight * entry.scale;
      if (factor === 0) continue;
      const { values: up } = entry.up;
      const { values: down } = entry.down;
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inner; i++) {
          let sum = 0;
          for (let r = 0; r < rank; r++) sum += up[o * rank + r]! * down[r * inner + i]!;
          const index = target.layout === 'torch' ? o * inner + i : i * out + o;
          delta[index]! += factor * sum;
        }
      }
    }
  }
  for (const [name, { dims, delta }] of deltas) {
    const { proto, values } = readFloatInitializer(graph, name, { model, file: graphFile });
    const merged = new Float32Array(values.length);
    // Untouched elements keep their exact bits (x + 0 would turn −0 into +0).
    for (let i = 0; i < values.length; i++) merged[i] = delta[i] === 0 ? values[i]! : values[i]! + delta[i]!;
    writeFloatInitializer(proto, dims, merged);
  }
  return deltas.size;
}

import { getSafetensorsFloats, type SafetensorsFile } from '../safetensors/index.js';
import { SdLoraError } from './errors.js';

/** The model components a LoRA can adapt. */
export type LoraComponent = 'unet' | 'text_encoder' | 'text_encoder_2';

/** One low-rank update ΔW = scale · up · down of one module. */
export type LoraModule = {
  component: LoraComponent;
  /**
   * The module: a dotted diffusers/transformers path (`diffusers` naming), or kohya's flattened form with
   * every `.` replaced by `_` (`kohya` naming), resolved against the model's module paths.
   */
  module: { naming: 'diffusers' | 'kohya'; name: string };
  /** The key prefix in the file, for error messages. */
  key: string;
  down: { shape: number[]; values: Float64Array };
  up: { shape: number[]; values: Float64Array };
  /** alpha / rank, or 1 when the file has no alpha for the module. */
  scale: number;
};

type Part = 'down' | 'up' | 'alpha';
type Pending = {
  component: LoraComponent;
  module: LoraModule['module'];
  parts: Partial<Record<Part, string>>;
};

const kohyaComponents: Record<string, LoraComponent> = {
  lora_unet: 'unet',
  lora_te: 'text_encoder',
  lora_te1: 'text_encoder',
  lora_te2: 'text_encoder_2',
};
const diffusersComponents: Record<string, LoraComponent> = {
  unet: 'unet',
  text_encoder: 'text_encoder',
  text_encoder_2: 'text_encoder_2',
};

/** LyCORIS and DoRA parts: well-known adapter types this version refuses by name rather than ignoring. */
const unsupportedParts =
  /\.(hada_w[12]_[ab]|hada_t[12]|lokr_w[12](_[ab])?|lokr_t2|lora_mid|dora_scale|diff|diff_b|w_norm|b_norm|oft_blocks|lora_magnitude_vector)(\.weight)?$/;

/** Splits a key into its component, module and part, or returns a reason it is not a LoRA key we know. */
function classify(
  key: string,
): { component: LoraComponent; module: LoraModule['module']; part: Part } | string {
  const kohya =
    /^(lora_unet|lora_te1|lora_te2|lora_te)_(.+)\.(lora_down\.weight|lora_up\.weight|alpha)$/.exec(key);
  if (kohya) {
    const part: Part = kohya[3] === 'alpha' ? 'alpha' : kohya[3]!.startsWith('lora_down') ? 'down' : 'up';
    return { component: kohyaComponents[kohya[1]!]!, module: { naming: 'kohya', name: kohya[2]! }, part };
  }
  let rest = key;
  let component: LoraComponent | undefined;
  const prefix = /^(unet|text_encoder|text_encoder_2)\./.exec(rest);
  if (prefix) {
    component = diffusersComponents[prefix[1]!];
    rest = rest.slice(prefix[0].length);
  }
  rest = rest.replace(/^base_model\.model\./, '');
  // The four diffusers/PEFT spellings of the pair, and the old attention-processor form (to_q_lora …).
  const suffixes: [RegExp, (m: RegExpExecArray) => [string, Part]][] = [
    [/^(.+)\.lora_([AB])(?:\.default)?\.weight$/, (m) => [m[1]!, m[2] === 'A' ? 'down' : 'up']],
    [/^(.+)\.lora(?:_linear_layer)?\.(down|up)\.weight$/, (m) => [m[1]!, m[2] as Part]],
    [
      /^(.+)\.processor\.(to_q|to_k|to_v|to_out)_lora\.(down|up)\.weight$/,
      (m) => [`${m[1]}.${m[2] === 'to_out' ? 'to_out.0' : m[2]}`, m[3] as Part],
    ],
    [/^(.+)\.alpha$/, (m) => [m[1]!, 'alpha']],
  ];
  for (const [pattern, read] of suffixes) {
    const match = pattern.exec(rest);
    if (!match) continue;
    const [name, part] = read(match);
    // Keys without a component prefix are the UNet's (diffusers' attention-processor files), unless they
    // name a CLIP module.
    component ??= name.startsWith('text_model.') ? 'text_encoder' : 'unet';
    return { component, module: { naming: 'diffusers', name }, part };
  }
  if (unsupportedParts.test(key))
    return 'is a LyCORIS/DoRA/full-difference part, which this worker version does not apply';
  return 'is neither a kohya (lora_unet_*/lora_te_*) nor a diffusers/PEFT (unet.*/text_encoder.*) LoRA key';
}

/**
 * Reads the low-rank pairs of a LoRA safetensors file in kohya/A1111 or diffusers/PEFT naming. Every key
 * must be understood: an unknown key, a module without both matrices, a rank mismatch or a non-scalar alpha
 * is refused by name, so that a LoRA never applies partly.
 *
 * @throws SdLoraError naming the key.
 * @example
 * const modules = parseLoraFile(readSafetensors(bytes, file), { lora: 'org/my-lora', file });
 */
export function parseLoraFile(file: SafetensorsFile, where: { lora: string; file: string }): LoraModule[] {
  const fail = (reason: string): never => {
    throw new SdLoraError({ ...where, reason });
  };
  const pending = new Map<string, Pending>();
  for (const key of file.tensors.keys()) {
    const found = classify(key);
    if (typeof found === 'string') return fail(`key "${key}" ${found}`);
    const id = `${found.component}:${found.module.naming}:${found.module.name}`;
    const entry = pending.get(id) ?? { component: found.component, module: found.module, parts: {} };
    if (entry.parts[found.part] !== undefined)
      fail(`keys "${entry.parts[found.part]}" and "${key}" both give the ${found.part} of one module`);
    entry.parts[found.part] = key;
    pending.set(id, entry);
  }
  if (pending.size === 0) fail('the file holds no tensors');
  const modules: LoraModule[] = [];
  for (const { component, module, parts } of pending.values()) {
    const label = parts.down ?? parts.up ?? parts.alpha!;
    if (parts.down === undefined || parts.up === undefined)
      fail(`"${label}" has no matching ${parts.down === undefined ? 'down (A)' : 'up (B)'} matrix`);
    const read = (key: string) => {
      const tensor = file.tensors.get(key)!;
      return { shape: tensor.shape, values: getSafetensorsFloats(tensor, where.file) };
    };
    const down = read(parts.down!);
    const up = read(parts.up!);
    const rank = down.shape[0];
    if (down.shape.length < 2 || up.shape.length < 2 || rank === undefined || rank < 1)
      fail(
        `"${parts.down}" and "${parts.up}" must be matrices (or conv kernels), got [${down.shape}] and [${up.shape}]`,
      );
    // up is [out, rank] or a 1×1 conv [out, rank, 1, 1].
    if (up.shape[1] !== rank || up.shape.slice(2).some((d) => d !== 1))
      fail(`"${parts.up}" [${up.shape}] does not match rank ${rank} of "${parts.down}" [${down.shape}]`);
    let scale = 1;
    if (parts.alpha !== undefined) {
      const alpha = read(parts.alpha);
      if (alpha.values.length !== 1) fail(`"${parts.alpha}" is not a scalar`);
      scale = alpha.values[0]! / rank!;
    }
    modules.push({
      component,
      module,
      key: label.replace(
        /\.(lora_down\.weight|lora_up\.weight|alpha|lora_[AB](\.default)?\.weight|lora(_linear_layer)?\.(down|up)\.weight)$/,
        '',
      ),
      down,
      up,
      scale,
    });
  }
  return modules;
}

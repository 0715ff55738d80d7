import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { SdModel } from '../model/loadSdModel.js';
import { type GetSdSessionOptionsParameters, getSdSessionOptions } from '../model/sessionOptions.js';
import { type ClipTokenizer, loadClipTokenizer } from '../tokenizer/index.js';
import { SdxlModelError } from './errors.js';

/** Whether a model folder is SDXL-shaped (has a second text encoder). */
export async function isSdxlModel(dir: string): Promise<boolean> {
  return (await stat(join(dir, 'text_encoder_2', 'model.onnx')).catch(() => undefined))?.isFile() === true;
}

export type SdxlParts = {
  /** Encodes one prompt: penultimate hidden states of both encoders joined on features, and the pooled embeds. */
  encode(text: string): Promise<{ states: { data: Float32Array; dims: number[] }; pooled: Float32Array }>;
  /**
   * Encoder 2 alone (the refiner's only text encoder, shared with the base as the reference does): its
   * penultimate hidden states [1, sequence, width2] and the pooled `text_embeds`.
   */
  encodeSecond(
    text: string,
  ): Promise<{ states: { data: Float32Array; dims: number[] }; pooled: Float32Array }>;
  /** diffusers' `force_zeros_for_empty_prompt`: an empty negative prompt becomes zeros (states and pooled). */
  zerosForEmptyNegative: boolean;
  pooledWidth: number;
  release(): Promise<void>;
};

/** The hidden_states.<i> output names of a graph, in layer order. */
function hiddenStateOutputs(session: InferenceSession): string[] {
  return session.outputNames
    .filter((n) => /^hidden_states\.\d+$/.test(n))
    .sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)));
}

/**
 * Opens SDXL's second text encoder and tokenizer next to a loaded base model and checks the SDXL interfaces:
 * both encoders expose `hidden_states.<i>` (diffusers takes `hidden_states[-2]`, clip_skip none), encoder 2
 * exposes `text_embeds`, the UNet takes `text_embeds` and `time_ids`.
 *
 * @throws SdxlModelError naming the file and the missing input/output.
 */
export async function loadSdxl(
  parameters: GetSdSessionOptionsParameters & { base: SdModel },
): Promise<SdxlParts> {
  const { base } = parameters;
  const fail = (file: string, reason: string): never => {
    throw new SdxlModelError({ model: base.modelId, file, reason });
  };
  const tokenizer2: ClipTokenizer = await loadClipTokenizer({
    folder: join(base.dir, 'tokenizer_2'),
    model: base.modelId,
  });
  let textEncoder2: InferenceSession;
  try {
    textEncoder2 = await InferenceSession.create(
      join(base.dir, 'text_encoder_2', 'model.onnx'),
      getSdSessionOptions(parameters),
    );
  } catch (error) {
    return fail('text_encoder_2/model.onnx', `onnxruntime cannot load it (${(error as Error).message})`);
  }
  try {
    const hidden1 = hiddenStateOutputs(base.textEncoder);
    const hidden2 = hiddenStateOutputs(textEncoder2);
    if (hidden1.length < 2)
      fail(
        'text_encoder/model.onnx',
        'it has no hidden_states.<i> outputs (export with output_hidden_states)',
      );
    if (hidden2.length < 2)
      fail(
        'text_encoder_2/model.onnx',
        'it has no hidden_states.<i> outputs (export with output_hidden_states)',
      );
    if (!textEncoder2.outputNames.includes('text_embeds'))
      fail('text_encoder_2/model.onnx', 'no output "text_embeds"');
    const ids2Type = textEncoder2.inputMetadata.find((m) => m.name === 'input_ids');
    if (!ids2Type?.isTensor || (ids2Type.type !== 'int32' && ids2Type.type !== 'int64'))
      fail('text_encoder_2/model.onnx', 'input "input_ids" must be int32 or int64');
    for (const name of ['text_embeds', 'time_ids'])
      if (!base.unet.inputNames.includes(name))
        fail('unet/model.onnx', `no input "${name}" (an SD 1.x/2.x UNet?)`);
    const penultimate1 = hidden1[hidden1.length - 2]!;
    const penultimate2 = hidden2[hidden2.length - 2]!;
    const ids = (tokenizer: ClipTokenizer, type: string, text: string) => {
      const values = tokenizer.encode(text);
      return type === 'int32'
        ? new Tensor('int32', Int32Array.from(values), [1, values.length])
        : new Tensor(
            'int64',
            BigInt64Array.from(values, (v) => BigInt(v)),
            [1, values.length],
          );
    };
    const index = JSON.parse(await readFile(join(base.dir, 'model_index.json'), 'utf8')) as {
      force_zeros_for_empty_prompt?: unknown;
    };
    let pooledWidth = 0;
    const parts: SdxlParts = {
      zerosForEmptyNegative: index.force_zeros_for_empty_prompt !== false,
      get pooledWidth() {
        return pooledWidth;
      },
      async encode(text) {
        const out1 = await base.textEncoder.run({ input_ids: ids(base.tokenizer, base.inputIdsType, text) }, [
          penultimate1,
        ]);
        const out2 = await textEncoder2.run(
          { input_ids: ids(tokenizer2, (ids2Type as { type: string }).type, text) },
          [penultimate2, 'text_embeds'],
        );
        const a = out1[penultimate1]!;
        const b = out2[penultimate2]!;
        const [, sequence, width1] = a.dims as [number, number, number];
        const width2 = b.dims[2]!;
        if (b.dims[1] !== sequence)
          fail('text_encoder_2/model.onnx', `${b.dims[1]} positions against ${sequence} of text_encoder`);
        const data = new Float32Array(sequence * (width1 + width2));
        const da = a.data as Float32Array;
        const db = b.data as Float32Array;
        for (let s = 0; s < sequence; s++) {
          data.set(da.subarray(s * width1, (s + 1) * width1), s * (width1 + width2));
          data.set(db.subarray(s * width2, (s + 1) * width2), s * (width1 + width2) + width1);
        }
        const pooled = new Float32Array(out2.text_embeds!.data as Float32Array);
        pooledWidth = pooled.length;
        a.dispose();
        b.dispose();
        out2.text_embeds!.dispose();
        return { states: { data, dims: [1, sequence, width1 + width2] }, pooled };
      },
      async encodeSecond(text) {
        const out2 = await textEncoder2.run(
          { input_ids: ids(tokenizer2, (ids2Type as { type: string }).type, text) },
          [penultimate2, 'text_embeds'],
        );
        const b = out2[penultimate2]!;
        const states = { data: new Float32Array(b.data as Float32Array), dims: [...b.dims] };
        const pooled = new Float32Array(out2.text_embeds!.data as Float32Array);
        b.dispose();
        out2.text_embeds!.dispose();
        return { states, pooled };
      },
      release: () => textEncoder2.release(),
    };
    return parts;
  } catch (error) {
    await textEncoder2.release();
    throw error;
  }
}

/**
 * SDXL's micro-conditioning `add_time_ids` = original_size + crops_coords_top_left + target_size, i.e.
 * `[height, width, top, left, height, width]` with the task size as original and target size and crops (0, 0),
 * diffusers' defaults; negative conditioning uses the same ids.
 */
export function getSdxlTimeIds(parameters: {
  width: number;
  height: number;
  cropTop?: number;
  cropLeft?: number;
}): Float32Array {
  const { width, height, cropTop = 0, cropLeft = 0 } = parameters;
  return Float32Array.of(height, width, cropTop, cropLeft, height, width);
}

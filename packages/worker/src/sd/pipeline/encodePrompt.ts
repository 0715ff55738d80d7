import { Tensor } from 'onnxruntime-node';
import type { SdModel } from '../model/loadSdModel.js';

/**
 * Text encoder states for one prompt: tokenized to the tokenizer's 77 ids and run with batch 1, so a
 * prompt's states never depend on what else is in the task. Returns `[1, sequence, hidden]` float32 data.
 *
 * @example
 * const { data, dims } = await encodePrompt(model, 'a red cat');
 */
export async function encodePrompt(
  model: SdModel,
  prompt: string,
): Promise<{ data: Float32Array; dims: number[] }> {
  const ids = model.tokenizer.encode(prompt);
  const input =
    model.inputIdsType === 'int32'
      ? new Tensor('int32', Int32Array.from(ids), [1, ids.length])
      : new Tensor(
          'int64',
          BigInt64Array.from(ids, (id) => BigInt(id)),
          [1, ids.length],
        );
  const result = await model.textEncoder.run({ input_ids: input }, ['last_hidden_state']);
  const states = result.last_hidden_state!;
  const data = new Float32Array(states.data as Float32Array);
  states.dispose();
  return { data, dims: [...states.dims] };
}

import { createWriteStream } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type OnnxProto, onnx } from '../onnx/proto.js';

/**
 * Writes a generated model as `<dir>/model.onnx` with every initializer of ≥ 1 KiB moved to
 * `<dir>/model.onnx_data` (ONNX external data: location, offset, length). Real-size random-weight models are
 * over protobuf's 2 GB limit otherwise. The data file is written under a `.tmp` name and renamed before the
 * graph is written, so an interrupted run never leaves a graph pointing at partial data.
 *
 * Returns the bytes written to the data file and each moved tensor's element count (float32: bytes / 4).
 * Mutates `model` (its initializers lose their raw data).
 */
export async function writeExternalDataModel(
  model: OnnxProto.ModelProto,
  dir: string,
): Promise<{ bytes: number; elements: Record<string, number> }> {
  const dataName = 'model.onnx_data';
  const data = createWriteStream(join(dir, `${dataName}.tmp`));
  const elements: Record<string, number> = {};
  let offset = 0;
  for (const tensor of model.graph?.initializer ?? []) {
    const raw = tensor.rawData;
    if (!raw || raw.byteLength < 1024) continue;
    elements[tensor.name ?? ''] = raw.byteLength / 4;
    if (!data.write(raw)) await new Promise<void>((done) => data.once('drain', () => done()));
    tensor.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: dataName }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.byteLength) }),
    ];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    delete (tensor as { rawData?: Uint8Array }).rawData;
    offset += raw.byteLength;
  }
  await new Promise<void>((resolve, reject) =>
    data.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  await rename(join(dir, `${dataName}.tmp`), join(dir, dataName));
  await writeFile(join(dir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
  return { bytes: offset, elements };
}

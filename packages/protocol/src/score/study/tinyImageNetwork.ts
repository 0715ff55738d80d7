import type { onnx as OnnxProto } from 'onnx-proto';
import onnxProtoPackage from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { RawPixels } from '../types.js';
import { createRandom } from './syntheticImages.js';

// onnx-proto is CommonJS: under Node's ESM loader its namespace arrives as the default export.
const onnx = (onnxProtoPackage as unknown as { onnx: typeof OnnxProto }).onnx;

export type TinyImageNetworkParameters = {
  seed: number;
  /** Round weights to float16 (the "half-precision GPU" variant of the same network). */
  halfPrecisionWeights?: boolean | undefined;
};

/**
 * A small image-to-image convolution network as an ONNX model: three 3×3 convolutions
 * (3→8→8→3, ReLU between) added as a residual to the input, so the output is the picture plus a
 * learned-looking detail layer. Its float sums are where thread counts, graph fusions and precision can
 * differ, like a diffusion decoder on different hardware.
 */
export function createTinyImageNetwork({
  seed,
  halfPrecisionWeights,
}: TinyImageNetworkParameters): Uint8Array {
  const random = createRandom(seed);
  const round = halfPrecisionWeights ? roundToFloat16 : (v: number) => v;
  const initializers: OnnxProto.ITensorProto[] = [];
  const nodes: OnnxProto.INodeProto[] = [];
  const layers: [number, number][] = [
    [3, 8],
    [8, 8],
    [8, 3],
  ];
  let current = 'image';
  for (const [index, [inputs, outputs]] of layers.entries()) {
    const scale = 0.9 / Math.sqrt(inputs * 9);
    const weights = Array.from({ length: outputs * inputs * 9 }, () => round((random() * 2 - 1) * scale));
    const bias = Array.from({ length: outputs }, () => round((random() * 2 - 1) * 0.05));
    initializers.push(floatTensor(`w${index}`, [outputs, inputs, 3, 3], weights));
    initializers.push(floatTensor(`b${index}`, [outputs], bias));
    const convOut = `conv${index}`;
    nodes.push(
      onnx.NodeProto.create({
        opType: 'Conv',
        input: [current, `w${index}`, `b${index}`],
        output: [convOut],
        attribute: [
          onnx.AttributeProto.create({
            name: 'pads',
            type: onnx.AttributeProto.AttributeType.INTS,
            ints: [1, 1, 1, 1],
          }),
        ],
      }),
    );
    current = convOut;
    if (index < layers.length - 1) {
      nodes.push(onnx.NodeProto.create({ opType: 'Relu', input: [current], output: [`relu${index}`] }));
      current = `relu${index}`;
    }
  }
  initializers.push(floatTensor('detail', [1], [0.25]));
  nodes.push(onnx.NodeProto.create({ opType: 'Mul', input: [current, 'detail'], output: ['scaled'] }));
  nodes.push(onnx.NodeProto.create({ opType: 'Add', input: ['image', 'scaled'], output: ['output'] }));
  const imageType = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({
        tensorType: onnx.TypeProto.Tensor.create({
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: onnx.TensorShapeProto.create({
            dim: ['batch', 'channels', 'height', 'width'].map((dimParam, i) =>
              i === 1
                ? onnx.TensorShapeProto.Dimension.create({ dimValue: 3 })
                : onnx.TensorShapeProto.Dimension.create({ dimParam }),
            ),
          }),
        }),
      }),
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'verinet-threshold-study',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
    graph: onnx.GraphProto.create({
      name: 'tiny_image_network',
      node: nodes,
      initializer: initializers,
      input: [imageType('image')],
      output: [imageType('output')],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

export type RunTinyImageNetworkParameters = {
  model: Uint8Array;
  pixels: RawPixels;
  intraOpNumThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** Round the input activations to float16 before the network (pairs with halfPrecisionWeights). */
  halfPrecisionInput?: boolean | undefined;
};

/** Runs the network on RGB pixels (scaled to 0..1) and returns RGB pixels rounded back to 8 bits. */
export async function runTinyImageNetwork({
  model,
  pixels,
  intraOpNumThreads,
  graphOptimizationLevel,
  halfPrecisionInput,
}: RunTinyImageNetworkParameters): Promise<RawPixels> {
  const { width, height, channels, data } = pixels;
  const plane = width * height;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) {
      const v = data[i * channels + Math.min(c, channels - 1)]! / 255;
      input[c * plane + i] = halfPrecisionInput ? roundToFloat16(v) : v;
    }
  const session = await InferenceSession.create(model, {
    intraOpNumThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel,
    executionMode: 'sequential',
  });
  try {
    const result = await session.run({ image: new Tensor('float32', input, [1, 3, height, width]) });
    const output = result.output!.data as Float32Array;
    const out = new Uint8Array(plane * 3);
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++)
        out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(output[c * plane + i]! * 255)));
    return { data: out, width, height, channels: 3 };
  } finally {
    await session.release();
  }
}

function floatTensor(name: string, dims: number[], values: number[]): OnnxProto.ITensorProto {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    floatData: values,
  });
}

/** Rounds a number to the nearest IEEE half-precision value (ties to even), returned as a double. */
export function roundToFloat16(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return Math.sign(value) * Number.POSITIVE_INFINITY;
  // Normal halves have 10 fraction bits; below 2^-14 the spacing is fixed at 2^-24 (subnormals).
  const exponent = Math.max(Math.floor(Math.log2(magnitude)), -14);
  const quantum = 2 ** (exponent - 10);
  const scaled = magnitude / quantum;
  let rounded = Math.round(scaled);
  if (rounded - scaled === 0.5 && rounded % 2 === 1) rounded -= 1;
  return Math.sign(value) * rounded * quantum;
}

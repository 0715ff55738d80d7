import { createRandomStream } from '../random/index.js';
import { type OnnxProto, onnx } from './proto.js';
import {
  createTensorProto,
  type ElementType,
  elementCount,
  type TensorData,
  toOnnxDataType,
} from './tensor.js';

/** A dimension: a fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;

/** Forces a float attribute where the value happens to be integral (plain integers become INT). */
export type FloatAttribute = { readonly float: number };
/** Forces a list-of-floats attribute. */
export type FloatsAttribute = { readonly floats: readonly number[] };
/** A tensor-valued attribute (for Constant). */
export type TensorAttribute = {
  readonly tensor: { type: ElementType; dims: readonly number[]; values: TensorData };
};

/**
 * Attribute values: integers become INT, other numbers FLOAT, number arrays INTS (all integers) or FLOATS,
 * strings STRING, string arrays STRINGS; use `{ float }`, `{ floats }`, `{ tensor }` to be explicit.
 */
export type AttributeValue =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | FloatAttribute
  | FloatsAttribute
  | TensorAttribute;

export type NodeOptions = {
  /** Number of outputs (fresh names) or explicit output names; 1 unless told. */
  outputs?: number | readonly string[] | undefined;
  /** Node name; unique by default. */
  name?: string | undefined;
  /** Operator domain; '' (ai.onnx) by default. */
  domain?: string | undefined;
};

export type CreateGraphBuilderParameters = {
  /** Graph name stored in the model. */
  name: string;
  /** ai.onnx opset version; 17 by default (has LayerNormalization). Use 20 for Gelu. */
  opset?: number | undefined;
  /** ONNX IR version; 8 by default. */
  irVersion?: number | undefined;
  /** Seed for `randomInitializer` weights (Philox stream 0 under this seed). */
  seed?: number | undefined;
  producerName?: string | undefined;
};

export type RandomInitializerOptions = {
  /** Values are uniform in [-scale, scale); default 1 / sqrt(first dim) (fan-in of a [in, out] matrix). */
  scale?: number | undefined;
  /** Constant added to every value (e.g. 1 for a LayerNorm gain). */
  offset?: number | undefined;
};

/** Builds one ONNX model in code. Every method returns the names of the values it creates. */
export type GraphBuilder = {
  /** Declares a graph input and returns its name. */
  input(name: string, type: ElementType, shape: readonly Dim[]): string;
  /** Declares `value` (an existing value name) as a graph output named `name` (an Identity is added if they differ). */
  output(value: string, type: ElementType, shape: readonly Dim[], name?: string): void;
  /** Adds an initializer with the given values. */
  initializer(name: string, type: ElementType, dims: readonly number[], values: TensorData): string;
  /** Adds a float32 initializer of seeded uniform random values. */
  randomInitializer(name: string, dims: readonly number[], options?: RandomInitializerOptions): string;
  /** Shorthand for an int64 initializer (shapes, axes, indices). */
  int64s(values: readonly number[], name?: string): string;
  /** Shorthand for a float32 initializer. */
  float32s(values: readonly number[], dims?: readonly number[], name?: string): string;
  /** Adds a node and returns its output names. `''` in `inputs` marks an omitted optional input. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeValue>,
    options?: NodeOptions,
  ): string[];
  /** Adds a single-output node and returns its output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeValue>,
    name?: string,
  ): string;
  /** A fresh value name with the prefix. */
  uniqueName(prefix: string): string;
  /** The assembled ModelProto. */
  build(): OnnxProto.ModelProto;
  /** The serialized model, ready for `InferenceSession.create(bytes)` or a `model.onnx` file. */
  toBytes(): Uint8Array;
};

function valueInfo(name: string, type: ElementType, shape: readonly Dim[]): OnnxProto.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: toOnnxDataType(type),
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function encodeAttribute(name: string, value: AttributeValue): OnnxProto.AttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  const encoder = new TextEncoder();
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: types.INT, i: value })
      : onnx.AttributeProto.create({ name, type: types.FLOAT, f: value });
  }
  if (typeof value === 'string')
    return onnx.AttributeProto.create({ name, type: types.STRING, s: encoder.encode(value) });
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string'))
      return onnx.AttributeProto.create({
        name,
        type: types.STRINGS,
        strings: value.map((v) => encoder.encode(v)),
      });
    const numbers = value as readonly number[];
    return numbers.every((v) => Number.isInteger(v))
      ? onnx.AttributeProto.create({ name, type: types.INTS, ints: [...numbers] })
      : onnx.AttributeProto.create({ name, type: types.FLOATS, floats: [...numbers] });
  }
  if ('float' in value) return onnx.AttributeProto.create({ name, type: types.FLOAT, f: value.float });
  if ('floats' in value)
    return onnx.AttributeProto.create({ name, type: types.FLOATS, floats: [...value.floats] });
  const { type, dims, values } = (value as TensorAttribute).tensor;
  return onnx.AttributeProto.create({
    name,
    type: types.TENSOR,
    t: createTensorProto(name, type, dims, values),
  });
}

/**
 * Creates a builder for one ONNX model (graph, initializers, opset import) assembled in code.
 *
 * @example
 * const g = createGraphBuilder({ name: 'affine', seed: 1 });
 * const x = g.input('x', 'float32', ['batch', 4]);
 * const y = g.op('Add', [g.op('MatMul', [x, g.randomInitializer('w', [4, 2])]), g.float32s([0.5, -0.5])]);
 * g.output(y, 'float32', ['batch', 2], 'y');
 * const bytes = g.toBytes();
 */
export function createGraphBuilder(parameters: CreateGraphBuilderParameters): GraphBuilder {
  const { name: graphName, opset = 17, irVersion = 8, seed = 0, producerName = 'verinet' } = parameters;
  const random = createRandomStream({ seed, stream: 0 });
  const nodes: OnnxProto.NodeProto[] = [];
  const initializers: OnnxProto.TensorProto[] = [];
  const inputs: OnnxProto.ValueInfoProto[] = [];
  const outputs: OnnxProto.ValueInfoProto[] = [];
  const taken = new Set<string>();
  const counters = new Map<string, number>();
  const customDomains = new Set<string>();

  const claim = (name: string): string => {
    if (taken.has(name)) throw new Error(`ONNX value name "${name}" is already used in graph ${graphName}`);
    taken.add(name);
    return name;
  };
  // An unused name; it is claimed by whoever creates the value.
  const freshName = (prefix: string): string => {
    let n = counters.get(prefix) ?? 0;
    let candidate = `${prefix}_${n}`;
    while (taken.has(candidate)) candidate = `${prefix}_${++n}`;
    counters.set(prefix, n + 1);
    return candidate;
  };
  const uniqueName = (prefix: string): string => claim(freshName(prefix));

  const initializer = (
    name: string,
    type: ElementType,
    dims: readonly number[],
    values: TensorData,
  ): string => {
    initializers.push(createTensorProto(claim(name), type, dims, values));
    return name;
  };

  const node: GraphBuilder['node'] = (opType, nodeInputs, attributes = {}, options = {}) => {
    const { outputs: wanted = 1, domain = '' } = options;
    const outputNames =
      typeof wanted === 'number'
        ? Array.from({ length: wanted }, () => uniqueName(opType.toLowerCase()))
        : wanted.map((n) => claim(n));
    if (domain !== '') customDomains.add(domain);
    nodes.push(
      onnx.NodeProto.create({
        name: options.name ?? `${opType}_${nodes.length}`,
        opType,
        domain,
        input: [...nodeInputs],
        output: outputNames,
        attribute: Object.entries(attributes).map(([key, value]) => encodeAttribute(key, value)),
      }),
    );
    return outputNames;
  };

  const build = (): OnnxProto.ModelProto =>
    onnx.ModelProto.create({
      irVersion,
      producerName,
      opsetImport: [
        { domain: '', version: opset },
        ...[...customDomains].map((domain) => ({ domain, version: 1 })),
      ],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: nodes,
        initializer: initializers,
        input: inputs,
        output: outputs,
      }),
    });

  return {
    input(name, type, shape) {
      inputs.push(valueInfo(claim(name), type, shape));
      return name;
    },
    output(value, type, shape, name = value) {
      if (name !== value) node('Identity', [value], {}, { outputs: [name] });
      outputs.push(valueInfo(name, type, shape));
    },
    initializer,
    randomInitializer(name, dims, options = {}) {
      const scale = options.scale ?? 1 / Math.sqrt(dims[0] ?? 1);
      const offset = options.offset ?? 0;
      const values = new Float32Array(elementCount(dims));
      for (let i = 0; i < values.length; i++) values[i] = offset + scale * random.nextSignedUnit();
      return initializer(name, 'float32', dims, values);
    },
    int64s(values, name) {
      return initializer(name ?? freshName('i64'), 'int64', [values.length], values);
    },
    float32s(values, dims, name) {
      return initializer(name ?? freshName('f32'), 'float32', dims ?? [values.length], values);
    },
    node,
    op(opType, nodeInputs, attributes, name) {
      return node(opType, nodeInputs, attributes, name === undefined ? {} : { outputs: [name] })[0]!;
    },
    uniqueName,
    build,
    toBytes: () => onnx.ModelProto.encode(build()).finish(),
  };
}

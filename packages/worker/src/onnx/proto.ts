// onnx-proto is CommonJS: Node's ESM loader exposes it only as a default export, while its typings declare a
// named namespace. This file bridges the two once: `onnx` is the runtime namespace, `OnnxProto` its types.

import type { onnx as OnnxProto } from 'onnx-proto';
import onnxProtoPackage from 'onnx-proto';

export const onnx: typeof OnnxProto = (onnxProtoPackage as unknown as { onnx: typeof OnnxProto }).onnx;
export type { OnnxProto };

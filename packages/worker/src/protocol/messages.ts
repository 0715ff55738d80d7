import { z } from 'zod';

/**
 * The worker protocol: newline-delimited JSON over the worker's stdin (parent -> worker) and stdout
 * (worker -> parent). One message per line, UTF-8, no line longer than `maxLineBytes`. The worker writes its
 * logs to stderr only. docs/worker-protocol.md is the reference for implementers in other runtimes.
 */
export const protocolVersion = '1.0.0';

/** Longest accepted line; a longer line is a protocol error, so a runaway writer cannot exhaust memory. */
export const maxLineBytes = 4 * 1024 * 1024;

const requestId = z.string().min(1).max(128);
const taskType = z.enum(['sd', 'llm', 'sd_ft']);
const semver = z.string().regex(/^\d+\.\d+\.\d+$/, 'expected MAJOR.MINOR.PATCH');
const hex = z.string().regex(/^[0-9a-f]*$/, 'expected lowercase hex without 0x');

/** Error kinds. Only `invalid_args` is a property of the task itself and may be reported on chain. */
export const workerErrorKinds = [
  'invalid_args',
  'unsupported',
  'model_missing',
  'execution_failed',
  'cancelled',
  'protocol_error',
] as const;
export const workerErrorKindSchema = z.enum(workerErrorKinds);
export type WorkerErrorKind = z.infer<typeof workerErrorKindSchema>;

export const backendCapabilitiesSchema = z.strictObject({
  taskType,
  /** Versions of the task argument schema this backend runs (node major == task major, minor.patch >=). */
  argsVersion: semver,
  models: z.array(z.string()),
  features: z.array(z.string()),
});

// ---- worker -> parent ----

export const handshakeMessageSchema = z.strictObject({
  type: z.literal('handshake'),
  protocolVersion: semver,
  workerVersion: semver,
  /** Free-form runtime description, e.g. `node 20.20.0 onnxruntime-node 1.30.0`. */
  runtime: z.string(),
  executionProvider: z.enum(['cpu', 'cuda']),
  threads: z.number().int().positive(),
  backends: z.array(backendCapabilitiesSchema),
});

export const progressMessageSchema = z.strictObject({
  type: z.literal('progress'),
  requestId,
  step: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  message: z.string().optional(),
});

export const resultFileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a plain file name inside outputDir'),
  mediaType: z.enum(['image/png', 'application/json']),
  size: z.number().int().nonnegative(),
  sha256: hex.length(64),
});

export const resultMessageSchema = z.strictObject({
  type: z.literal('result'),
  requestId,
  files: z.array(resultFileSchema).min(1),
  /** The task score as lowercase hex without 0x: pHash blocks in index order (images) or sha256 (text). */
  score: hex.min(2),
  durationMs: z.number().nonnegative(),
});

export const errorMessageSchema = z.strictObject({
  type: z.literal('error'),
  /** Absent when the error is not tied to a request (e.g. an unparseable line from the parent). */
  requestId: requestId.optional(),
  kind: workerErrorKindSchema,
  message: z.string(),
  details: z.array(z.string()).optional(),
});

export const workerMessageSchema = z.discriminatedUnion('type', [
  handshakeMessageSchema,
  progressMessageSchema,
  resultMessageSchema,
  errorMessageSchema,
]);

// ---- parent -> worker ----

export const runMessageSchema = z.strictObject({
  type: z.literal('run'),
  requestId,
  taskType,
  /** The task arguments exactly as uploaded (raw JSON); the worker validates them. */
  args: z.unknown(),
  /** Absolute path of an existing, empty folder the worker writes the result files into. */
  outputDir: z.string().min(1),
});

export const cancelMessageSchema = z.strictObject({ type: z.literal('cancel'), requestId });

export const shutdownMessageSchema = z.strictObject({ type: z.literal('shutdown') });

export const parentMessageSchema = z.discriminatedUnion('type', [
  runMessageSchema,
  cancelMessageSchema,
  shutdownMessageSchema,
]);

export type BackendCapabilitiesMessage = z.infer<typeof backendCapabilitiesSchema>;
export type HandshakeMessage = z.infer<typeof handshakeMessageSchema>;
export type ProgressMessage = z.infer<typeof progressMessageSchema>;
export type ResultFileMessage = z.infer<typeof resultFileSchema>;
export type ResultMessage = z.infer<typeof resultMessageSchema>;
export type ErrorMessage = z.infer<typeof errorMessageSchema>;
export type WorkerMessage = z.infer<typeof workerMessageSchema>;
export type RunMessage = z.infer<typeof runMessageSchema>;
export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type ShutdownMessage = z.infer<typeof shutdownMessageSchema>;
export type ParentMessage = z.infer<typeof parentMessageSchema>;

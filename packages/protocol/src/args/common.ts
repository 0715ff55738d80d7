import { z } from 'zod';
import { parseVersion } from './version.js';

/** Precision the model runs in; `auto` lets the worker version pick (float32 on CPU). */
export const dtypeSchema = z.enum(['float16', 'bfloat16', 'float32', 'auto']);
export type Dtype = z.output<typeof dtypeSchema>;

/** Largest seed the reference network accepts (a non-negative int32), kept for portability. */
export const MAX_SEED = 2 ** 31 - 1;
/** A task seed: an integer in 0 … 2^31 − 1. */
export const seedSchema = z.int().min(0).max(MAX_SEED);

/** Builds the `version` field of a schema for one major: a `major.minor.patch` string of that major. */
export function versionFieldSchema(major: number) {
  return z
    .string()
    .regex(
      new RegExp(`^${major}\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)$`),
      `expected a version ${major}.minor.patch (this schema reads major ${major} only)`,
    )
    .superRefine((value, ctx) => {
      try {
        parseVersion(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.split('\n')[0] ?? 'bad version' });
      }
    });
}

/** A non-empty model reference from a model hub (`org/name`) or a URL; no whitespace. */
export const modelRefSchema = z.string().min(1).max(512).regex(/^\S+$/, 'must not contain whitespace');

/** A model variant such as `fp16`; letters, digits, `.`, `_`, `-`. */
export const variantSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

/** A model hub id (`org/name`) or local name; no whitespace and no `+` (it separates the variant in model ids). */
export const modelNameSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^\s+]+$/, 'must not contain whitespace or "+"');

/** A model named by hub id with an optional variant, either as a string or as `{ name, variant }`. */
export const namedModelSchema = z.union([
  modelNameSchema,
  z.strictObject({ name: modelNameSchema, variant: variantSchema.nullish() }),
]);

/** `{ name, variant }` with `variant: null` when absent: what the parser hands to workers. */
export type NamedModel = { name: string; variant: string | null };

/** Normalizes the two accepted forms of a named model. */
export function toNamedModel(
  model: string | { name: string; variant?: string | null | undefined },
): NamedModel {
  return typeof model === 'string'
    ? { name: model, variant: null }
    : { name: model.name, variant: model.variant ?? null };
}

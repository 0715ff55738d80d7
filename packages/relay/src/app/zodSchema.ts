import { z } from 'zod';

/**
 * A route JSON Schema from a zod schema (draft-07, as Fastify's ajv and @fastify/swagger read it), so the
 * schema is written once.
 */
export function toRouteSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<
    string,
    unknown
  >;
  return json;
}

export const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x and 64 hex digits');
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), retryAfter: z.number().optional() }),
});

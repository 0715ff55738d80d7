import { BridgeError } from '../errors/BridgeError.js';

/** Small readers for OpenAI request fields: each refusal is a 400 naming the field. */

export type Body = Record<string, unknown>;

export function asObject(value: unknown, param: string): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BridgeError(
      'invalid_value',
      param ? `${param} must be a JSON object.` : 'The request body must be a JSON object.',
      { param: param || null },
    );
  return value as Body;
}

/** Refuses every field of `body` not in `known`, naming the first one. */
export function refuseUnknown(body: Body, known: ReadonlySet<string>, prefix = ''): void {
  for (const name of Object.keys(body))
    if (!known.has(name))
      throw new BridgeError(
        'unsupported_parameter',
        `Unrecognized request argument supplied: ${prefix}${name}. The Verinet bridge does not support it (docs/bridge.md).`,
        { param: `${prefix}${name}` },
      );
}

/** A field that is accepted only when absent, null, or one of `allowed` (values that change nothing here). */
export function onlyNeutral(body: Body, name: string, allowed: unknown[], why: string, prefix = ''): void {
  const value = body[name];
  if (value === undefined || value === null) return;
  if (allowed.some((a) => JSON.stringify(a) === JSON.stringify(value))) return;
  throw new BridgeError(
    'unsupported_value',
    `${prefix}${name} ${JSON.stringify(value)} is not supported: ${why}.`,
    { param: `${prefix}${name}` },
  );
}

export function optionalNumber(
  body: Body,
  name: string,
  range: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean },
): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.integer ? Number.isInteger(value) : true) &&
    (range.exclusiveMin ? value > range.min : value >= range.min) &&
    value <= range.max;
  if (!ok)
    throw new BridgeError(
      'invalid_value',
      `${name} must be ${range.integer ? 'an integer' : 'a number'} ${range.exclusiveMin ? 'above' : 'from'} ${range.min} ${range.exclusiveMin ? 'and up to' : 'to'} ${range.max}; got ${JSON.stringify(value)}.`,
      { param: name },
    );
  return value;
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new BridgeError('invalid_value', `${name} must be a string.`, { param: name });
  return value;
}

export function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new BridgeError('invalid_value', `${name} must be true or false.`, { param: name });
  return value;
}

/**
 * An image prompt with no words. The task schema accepts it (unconditional generation, a mode some SDK users
 * want), but through an app it is nearly always a forgotten field, and it would be paid for: refused here.
 */
export function refuseEmptyPrompt(prompt: unknown, param: string): void {
  if (typeof prompt === 'string' && prompt.trim() === '')
    throw new BridgeError(
      'invalid_value',
      `${param} is empty: describe the image to generate (an empty prompt would be paid for and give an unguided image).`,
      { param },
    );
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new BridgeError('missing_required_parameter', `Missing required parameter: '${name}'.`, {
      param: name,
    });
  return value;
}

import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Hex } from 'viem';
import { InvalidModelIdError } from './errors.js';

/** A model reference as the network names it on chain and in node capabilities. */
export type ModelId =
  | { kind: 'base'; id: string; variant: string | null }
  | { kind: 'lora'; id: string }
  | { kind: 'controlnet'; id: string; variant: string | null };

const idPattern = /^[^\s+]+$/;
const urlOrIdPattern = /^\S+$/;
const variantPattern = /^[A-Za-z0-9._-]+$/;

/**
 * Parses `base:<id>[+variant]`, `lora:<id-or-url>` or `controlnet:<id>[+variant]`. A LoRA reference may be
 * a URL, so everything after `lora:` is its id (a `+` there is part of it).
 *
 * @example
 * parseModelId('base:runwayml/stable-diffusion-v1-5+fp16') // { kind: 'base', id: 'runwayml/…', variant: 'fp16' }
 */
export function parseModelId(modelId: string): ModelId {
  if (typeof modelId !== 'string') throw new InvalidModelIdError(String(modelId), 'not a string');
  const colon = modelId.indexOf(':');
  const kind = colon < 0 ? '' : modelId.slice(0, colon);
  const rest = modelId.slice(colon + 1);
  if (kind === 'lora') {
    if (!urlOrIdPattern.test(rest)) throw new InvalidModelIdError(modelId, 'empty or contains whitespace');
    return { kind, id: rest };
  }
  if (kind !== 'base' && kind !== 'controlnet') {
    throw new InvalidModelIdError(modelId, 'expected a base:, lora: or controlnet: prefix');
  }
  const plus = rest.indexOf('+');
  const id = plus < 0 ? rest : rest.slice(0, plus);
  const variant = plus < 0 ? null : rest.slice(plus + 1);
  if (!idPattern.test(id)) throw new InvalidModelIdError(modelId, 'model id empty or contains whitespace');
  if (variant !== null && !variantPattern.test(variant)) {
    throw new InvalidModelIdError(modelId, 'variant must be letters, digits, ".", "_" or "-"');
  }
  return { kind, id, variant };
}

/**
 * Formats a model reference as its canonical string (the inverse of {@link parseModelId}).
 *
 * @example
 * formatModelId({ kind: 'lora', id: 'https://example.com/x.safetensors' }) // 'lora:https://example.com/x.safetensors'
 */
export function formatModelId(modelId: ModelId): string {
  const text =
    modelId.kind === 'lora'
      ? `lora:${modelId.id}`
      : `${modelId.kind}:${modelId.id}${modelId.variant === null ? '' : `+${modelId.variant}`}`;
  // Re-parse so a hand-built object cannot produce an id that parseModelId would refuse or read differently.
  const back = parseModelId(text);
  if (back.id !== modelId.id) throw new InvalidModelIdError(text, 'id must not contain "+" or whitespace');
  return text;
}

/**
 * The on-chain form of a model id: keccak256 of its canonical string in UTF-8 (a bytes32).
 *
 * @example
 * getModelId('base:runwayml/stable-diffusion-v1-5') // '0x…'
 */
export function getModelId(modelId: string | ModelId): Hex {
  const canonical = formatModelId(typeof modelId === 'string' ? parseModelId(modelId) : modelId);
  return `0x${bytesToHex(keccak_256(utf8ToBytes(canonical)))}`;
}

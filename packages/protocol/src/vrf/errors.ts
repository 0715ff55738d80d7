import { BaseError } from '../errors/index.js';

const docsPath = 'vrf.md';

/** An input was neither a Uint8Array nor a 0x-prefixed hex string of whole bytes. */
export class VrfInvalidBytesError extends BaseError {
  override name = 'VrfInvalidBytesError' as const;
  constructor({ what, value }: { what: string; value: unknown }) {
    super(`${what} must be a Uint8Array or a 0x-prefixed hex string of whole bytes.`, {
      details: [`Received: ${describe(value)}`],
      docsPath,
    });
  }
}

/** The secret key is not 32 bytes or not a scalar in [1, n). */
export class VrfInvalidSecretKeyError extends BaseError {
  override name = 'VrfInvalidSecretKeyError' as const;
  constructor({ reason }: { reason: string }) {
    super('Invalid VRF secret key.', {
      details: [reason, 'A secp256k1 secret key is 32 bytes encoding an integer in [1, n).'],
      docsPath,
    });
  }
}

/** The public key has a wrong length or encoding, or is not a point of secp256k1. */
export class VrfInvalidPublicKeyError extends BaseError {
  override name = 'VrfInvalidPublicKeyError' as const;
  constructor({ reason }: { reason: string }) {
    super('Invalid VRF public key.', {
      details: [
        reason,
        'Pass 64 bytes (x ‖ y), 65 bytes (0x04 ‖ x ‖ y) or 33 bytes (compressed) of a secp256k1 point.',
      ],
      docsPath,
    });
  }
}

/** The proof is not 81 bytes. */
export class VrfInvalidProofLengthError extends BaseError {
  override name = 'VrfInvalidProofLengthError' as const;
  readonly length: number;
  constructor({ length }: { length: number }) {
    super(`VRF proof must be 81 bytes, got ${length}.`, {
      details: ['Layout: gamma (33-byte compressed point) ‖ c (16 bytes) ‖ s (32 bytes).'],
      docsPath,
    });
    this.length = length;
  }
}

/** The proof's gamma is not a valid compressed point, or its c or s is out of range. */
export class VrfMalformedProofError extends BaseError {
  override name = 'VrfMalformedProofError' as const;
  constructor({ reason }: { reason: string }) {
    super('Malformed VRF proof.', { details: [reason], docsPath });
  }
}

/** The proof is well formed but does not prove this message under this public key. */
export class VrfInvalidProofError extends BaseError {
  override name = 'VrfInvalidProofError' as const;
  constructor() {
    super('VRF proof does not verify.', {
      details: [
        'The challenge recomputed from the proof differs from the one in it: the proof was made for another',
        'message or another key, or it was altered.',
      ],
      docsPath,
    });
  }
}

/** No counter in [0, 256) mapped the input to a curve point (probability about 2^-256). */
export class VrfHashToCurveError extends BaseError {
  override name = 'VrfHashToCurveError' as const;
  constructor() {
    super('Try-and-increment found no curve point in 256 attempts.', { docsPath });
  }
}

/** The selection denominator is not a positive integer. */
export class VrfInvalidDenominatorError extends BaseError {
  override name = 'VrfInvalidDenominatorError' as const;
  constructor({ denominator }: { denominator: unknown }) {
    super('The sampling denominator must be a positive integer.', {
      details: [`Received: ${describe(denominator)}`],
      docsPath,
    });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}…` : JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  return String(value);
}

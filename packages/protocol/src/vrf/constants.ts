import { secp256k1 } from '@noble/curves/secp256k1.js';

/**
 * Suite ECVRF-SECP256K1-SHA256-TAI as used by the reference network and by the public implementations of
 * this suite (Witnet vrf-rs / vrf-solidity, VeChain go-ecvrf): suite string 0xFE, try-and-increment
 * hash-to-curve (draft-irtf-cfrg-vrf-05/06 framing, no trailing zero octet), RFC 6979 nonces over SHA-256,
 * 16-byte challenge, cofactor 1.
 */
export const vrfSuiteString = 0xfe;

/** Domain separators of the three hashes the draft defines. */
export const vrfHashToCurveDomain = 0x01;
export const vrfChallengeDomain = 0x02;
export const vrfProofToHashDomain = 0x03;

/** Proof layout: gamma (compressed point, 33) ‖ c (16) ‖ s (32). */
export const vrfGammaLength = 33;
export const vrfChallengeLength = 16;
export const vrfScalarLength = 32;
export const vrfProofLength = vrfGammaLength + vrfChallengeLength + vrfScalarLength;

/** Public keys travel as 64 bytes (x ‖ y) so that keccak256 of them gives the Ethereum address. */
export const vrfPublicKeyLength = 64;

/** Try-and-increment gives up after 256 counters (a one-octet counter), as the draft says. */
export const vrfMaxHashToCurveTries = 256;

export const Point = secp256k1.Point;
export type Point = InstanceType<typeof secp256k1.Point>;

/** Order of the group (n) and of the base field (p). */
export const curveOrder: bigint = Point.Fn.ORDER;
export const fieldPrime: bigint = Point.Fp.ORDER;

import { InvalidVersionError } from './errors.js';

/** A task or worker version, `major.minor.patch`. */
export type Version = { major: number; minor: number; patch: number };

const versionPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** The on-chain encoding packs major into 32 bits, minor and patch into 16 bits each (a uint64). */
const MAX_MAJOR = 2 ** 32 - 1;
const MAX_MINOR_PATCH = 2 ** 16 - 1;

/**
 * Parses a `major.minor.patch` version string (no pre-release or build suffix).
 *
 * @example
 * parseVersion('2.1.0') // { major: 2, minor: 1, patch: 0 }
 */
export function parseVersion(version: string): Version {
  if (typeof version !== 'string') throw new InvalidVersionError(version, 'not a string');
  const match = versionPattern.exec(version);
  if (!match) throw new InvalidVersionError(version, 'expected major.minor.patch');
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (major > MAX_MAJOR) throw new InvalidVersionError(version, `major above ${MAX_MAJOR}`);
  if (minor > MAX_MINOR_PATCH) throw new InvalidVersionError(version, `minor above ${MAX_MINOR_PATCH}`);
  if (patch > MAX_MINOR_PATCH) throw new InvalidVersionError(version, `patch above ${MAX_MINOR_PATCH}`);
  return { major, minor, patch };
}

/**
 * Formats a version as `major.minor.patch`.
 *
 * @example
 * formatVersion({ major: 1, minor: 2, patch: 3 }) // '1.2.3'
 */
export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

function toVersion(version: string | Version): Version {
  if (typeof version === 'string') return parseVersion(version);
  // Round-trip through the string form so a hand-built object gets the same bounds checks.
  return parseVersion(formatVersion(version));
}

/**
 * Packs a version into its on-chain form, `major << 32 | minor << 16 | patch` (a uint64).
 *
 * @example
 * packVersion('2.1.0') // 8590000128n
 */
export function packVersion(version: string | Version): bigint {
  const { major, minor, patch } = toVersion(version);
  return (BigInt(major) << 32n) | (BigInt(minor) << 16n) | BigInt(patch);
}

/**
 * Unpacks the on-chain uint64 form of a version.
 *
 * @example
 * unpackVersion(8590000128n) // { major: 2, minor: 1, patch: 0 }
 */
export function unpackVersion(packed: bigint): Version {
  if (typeof packed !== 'bigint' || packed < 0n || packed >= 1n << 64n) {
    throw new InvalidVersionError(packed, 'packed version must be a uint64 bigint');
  }
  return {
    major: Number(packed >> 32n),
    minor: Number((packed >> 16n) & 0xffffn),
    patch: Number(packed & 0xffffn),
  };
}

/**
 * Orders two versions: negative when `a` is older, 0 when equal, positive when newer.
 *
 * @example
 * compareVersions('1.2.0', '1.10.0') // < 0
 */
export function compareVersions(a: string | Version, b: string | Version): number {
  const pa = packVersion(a);
  const pb = packVersion(b);
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/**
 * Whether a node at `nodeVersion` may run a task asking for `taskVersion`: same major, and the node's
 * minor.patch at least the task's (the rule the contracts apply when they select a node).
 *
 * @example
 * isVersionCompatible('2.3.0', '2.1.5') // true
 * isVersionCompatible('3.0.0', '2.1.5') // false
 */
export function isVersionCompatible(nodeVersion: string | Version, taskVersion: string | Version): boolean {
  const node = toVersion(nodeVersion);
  const task = toVersion(taskVersion);
  return node.major === task.major && packVersion(node) >= packVersion(task);
}

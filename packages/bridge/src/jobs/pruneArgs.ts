/** Ended jobs keep their arguments whole up to this size (JSON bytes); larger ones are shortened. */
export const keptArgsBytes = 16 * 1024;
const keptStringChars = 512;
const keptArrayItems = 16;

function shorten(value: unknown): unknown {
  if (typeof value === 'string')
    return value.length > keptStringChars ? `${value.slice(0, keptStringChars)}…` : value;
  if (Array.isArray(value)) {
    // The newest messages of a chat are the ones a history shows.
    const kept = value.length > keptArrayItems ? value.slice(-keptArrayItems) : value;
    return kept.map(shorten);
  }
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  return value;
}

/**
 * The arguments an ended job keeps (pure): what its history shows (prompt, settings, the last messages),
 * without the bulk a client may have sent. Arguments up to 16 KiB are kept whole; larger ones keep every
 * field with strings cut to 512 characters and lists to their last 16 items (at most 64 KiB, else the
 * top-level settings only), marked `_pruned` with the size they had. The network does not need them any more: the result is verified and stored.
 *
 * @example
 * await store.updateJob(job.id, { status: 'failed', args: pruneArgs(job.args) }, Date.now());
 */
export function pruneArgs(args: unknown): unknown {
  const bytes = Buffer.byteLength(JSON.stringify(args) ?? '');
  if (bytes <= keptArgsBytes) return args;
  const short = shorten(args);
  if (typeof short !== 'object' || short === null || Array.isArray(short)) return { _pruned: { bytes } };
  if (Buffer.byteLength(JSON.stringify(short)) <= 4 * keptArgsBytes) return { ...short, _pruned: { bytes } };
  // Deeply nested bulk: the top-level settings only.
  const scalars = Object.entries(short).filter(([, v]) => typeof v !== 'object' || v === null);
  return { ...Object.fromEntries(scalars), _pruned: { bytes } };
}

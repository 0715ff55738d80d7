import type { JobStore } from '../store/types.js';
import { createApiKey } from './createApiKey.js';

export type AddApiKeyParameters = {
  name: string;
  /** Requests per minute; default: the bridge's keyDefaults. */
  requestsPerMinute?: number | undefined;
  /** Spend limit in wei; undefined: the bridge's default; null: unlimited. */
  spendLimitWei?: bigint | null | undefined;
};

/**
 * Creates an API key in the store and returns its secret (shown once: only its hash is kept).
 *
 * @example
 * const { id, key } = await addApiKey(store, { name: 'web' }, defaults);
 */
export async function addApiKey(
  store: JobStore,
  parameters: AddApiKeyParameters,
  defaults: { spendLimitWei?: bigint | undefined },
): Promise<{ id: string; key: string; prefix: string }> {
  const { id, key, keyHash, prefix } = createApiKey();
  await store.insertKey({
    id,
    name: parameters.name,
    keyHash,
    prefix,
    createdAt: Date.now(),
    revokedAt: null,
    requestsPerMinute: parameters.requestsPerMinute ?? null,
    spendLimitWei:
      parameters.spendLimitWei === undefined ? (defaults.spendLimitWei ?? null) : parameters.spendLimitWei,
    spentWei: 0n,
  });
  return { id, key, prefix };
}

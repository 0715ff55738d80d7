import { createRandomBytes32 } from '@verinet/protocol/commitment';
import { getPublicKey, getPublicKeyAddress } from '@verinet/protocol/vrf';
import type { Hex } from 'viem';
import { readVrfKeyOf } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { withRetry } from '../utils/withRetry.js';

export type VrfKey = { secretKey: Hex; publicKey: Hex; address: Hex };

/**
 * The app's VRF key (secret sampling): `vrfKey` if given, else the account's private key, else one generated
 * once and kept in the store. A key other than the account key must be bound on chain (F8, `bindVrfKey`)
 * before the seed block of any task it samples: this is done once, before the client's first createTask, when
 * `vrfKeyOf(app, next block)` is not already this key.
 *
 * @example
 * const { publicKey } = await ensureVrfKey(context, { id });
 */
export async function ensureVrfKey(
  context: SdkContext,
  parameters: { id: string; signal?: AbortSignal | undefined },
): Promise<VrfKey> {
  const cached = context.cache.get('vrfKey') as VrfKey | undefined;
  if (cached) return cached;
  const app = context.access.address;
  let secretKey = context.vrfKey ?? context.access.privateKey;
  if (!secretKey) {
    const storeKey = `vrfKey:${app.toLowerCase()}`;
    secretKey = (await context.store.getValue(storeKey)) as Hex | undefined;
    if (!secretKey) {
      secretKey = createRandomBytes32();
      await context.store.setValue(storeKey, secretKey);
    }
  }
  const publicKey = getPublicKey(secretKey);
  const address = getPublicKeyAddress(publicKey) as Hex;
  const key: VrfKey = { secretKey, publicKey, address };
  const step = { id: parameters.id, step: 'bind-vrf-key', signal: parameters.signal };
  const latest = await withRetry(context, step, () => context.access.publicClient.getBlockNumber());
  const bound = await withRetry(context, step, () => readVrfKeyOf(context, app, latest + 1n));
  if (bound.toLowerCase() !== address.toLowerCase()) {
    await withRetry(context, step, () =>
      context.access.write({ functionName: 'bindVrfKey', args: [publicKey] }),
    );
  }
  context.cache.set('vrfKey', key);
  return key;
}

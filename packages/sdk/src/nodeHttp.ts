import { poolExchange, poolHttpFactory } from '@verinet/protocol/http';
import type { SdkHttp } from './types.js';

/**
 * Keep-alive connection pools (undici) for a Node.js app's chain and relay requests
 * (`createClient({ …, http: nodeHttp })`): the same requests, timeouts and errors as the default WHATWG fetch at
 * a fraction of its CPU (docs/benchmarks.md "Session 11 (s11-http)").
 *
 * @example
 * import { createClient } from '@verinet/sdk';
 * import { nativeCurve, nodeHttp } from '@verinet/sdk/node';
 * const client = createClient({ chain, relay, account: privateKey, curve: nativeCurve, http: nodeHttp });
 */
export const nodeHttp: SdkHttp = {
  createTransport: poolHttpFactory,
  exchange: poolExchange,
};

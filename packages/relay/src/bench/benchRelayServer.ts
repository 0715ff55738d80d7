/**
 * The relay of `npm run bench:relay`, in a process of its own (the bench's client, baselines and anvil are
 * elsewhere), so its CPU time and peak RSS are its own. Started by the bench with one JSON argument; answers
 * the bench's IPC messages:
 * - `{ type: 'cpu' }` → `{ type: 'cpu', micros }` (user + system CPU time of this process so far);
 * - `{ type: 'peakStart' }` / `{ type: 'peakStop' }` → `{ rss, peak }` in bytes: the kernel's high-water mark
 *   (VmHWM, reset by /proc/self/clear_refs) or, where that is unavailable, RSS sampled every 2 ms.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type Address, type Hex, isHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { buildRelay } from '../app/buildRelay.js';
import { createRelayContext } from '../app/createRelayContext.js';
import { createChainReader } from '../chain/createChainReader.js';
import { type RelayConfigInput, relayConfigSchema } from '../config/relayConfig.js';
import { createRelayStorage } from '../storage/createRelayStorage.js';

export type BenchRelayServerOptions = {
  config: RelayConfigInput;
  chainId: number;
  taskManager: Address;
  nodeRegistry: Address;
  startBlock: string;
  relayKey?: Hex | undefined;
};

type Message = { type: 'cpu' | 'peakStart' | 'peakStop' | 'stop' };

const options = JSON.parse(process.argv[2] ?? '{}') as BenchRelayServerOptions;
const config = relayConfigSchema.parse(options.config);
const storage = await createRelayStorage(config);
const chain = createChainReader({
  rpcUrl: config.rpcUrl,
  chainId: options.chainId,
  taskManager: options.taskManager,
  nodeRegistry: options.nodeRegistry,
  startBlock: BigInt(options.startBlock),
  cacheMs: config.chain.cacheMs,
  maxLogRange: BigInt(config.chain.maxLogRange),
});
const signer = privateKeyToAccount(
  options.relayKey && isHex(options.relayKey) ? options.relayKey : generatePrivateKey(),
);
const context = createRelayContext({ config, storage, chain, signer });
const app = await buildRelay({ context });
const url = await app.listen({ host: '127.0.0.1', port: 0 });

function readStatus(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let sampled = 0;
let sampler: NodeJS.Timeout | undefined;
let kernelPeak = false;
process.on('message', (message: Message) => {
  if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', micros: usage.user + usage.system });
  } else if (message.type === 'peakStart') {
    global.gc?.();
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      kernelPeak = readStatus('VmHWM') !== undefined;
    } catch {
      kernelPeak = false;
    }
    const rss = process.memoryUsage().rss;
    sampled = rss;
    sampler = setInterval(() => {
      sampled = Math.max(sampled, process.memoryUsage().rss);
    }, 2);
    process.send?.({ type: 'peakStart', rss });
  } else if (message.type === 'peakStop') {
    clearInterval(sampler);
    const rss = process.memoryUsage().rss;
    const peak = Math.max(sampled, rss, (kernelPeak ? readStatus('VmHWM') : undefined) ?? 0);
    process.send?.({ type: 'peakStop', rss, peak, kernelPeak });
  } else if (message.type === 'stop') {
    void (async () => {
      await app.close();
      await storage.meta.close();
      await storage.objects.close();
      process.exit(0);
    })();
  }
});
process.send?.({ type: 'listening', url, domain: context.domain });

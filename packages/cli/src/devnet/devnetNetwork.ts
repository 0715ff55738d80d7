import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { CommandError } from '../cli/errors.js';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const url = z.url({ protocol: /^https?$/ });

/**
 * `<dir>/network.json`: the running devnet as the rest of the tooling finds it (`verinet task`, the bridge, the
 * web UI). Written once everything is up; `running` is false after a clean stop.
 */
export const devnetNetworkSchema = z.object({
  version: z.literal(1),
  running: z.boolean(),
  /** The devnet process (its pid file says whether it still runs). */
  pid: z.number().int(),
  chainId: z.number().int().positive(),
  rpcUrl: url,
  relayUrl: url,
  deploymentFile: z.string().min(1),
  /** The GPU every devnet node registers; LLM tasks must require it (exact-match bucket). */
  gpu: z.object({ name: z.string().min(1), vramGib: z.number().int().positive() }),
  models: z.object({
    dir: z.string().min(1),
    tiny: z.boolean(),
    ids: z.array(z.string()),
    /** Each id's task type: `verinet task run` refuses a model of the other type before paying. Optional: a
     * network file written before it existed still reads. */
    types: z.record(z.string(), z.enum(['llm', 'sd', 'sd_ft'])).optional(),
  }),
  nodes: z.array(z.object({ index: z.number().int(), address, apiUrl: url })),
  /** The test account `verinet task` pays from by default (anvil index). */
  app: z.object({ accountIndex: z.number().int().min(0), address }),
  /** Extra services joined to the devnet (bridge, web UI…): name → URL. */
  services: z.record(z.string(), url),
  /** How many devnet node keys were ever registered on this chain (extra ones are paused when fewer run). */
  registeredNodes: z.number().int().min(0),
});

export type DevnetNetwork = z.infer<typeof devnetNetworkSchema>;

/** Writes the network file whole, then renames it into place (never half a file). */
export function writeDevnetNetwork(path: string, network: DevnetNetwork): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(network, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The network file, or undefined when it is missing or unreadable. */
export function readDevnetNetworkOrUndefined(path: string): DevnetNetwork | undefined {
  try {
    return devnetNetworkSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * The network file of a running devnet, or a one-line error saying how to start one.
 *
 * @example
 * const network = readDevnetNetwork('.verinet/devnet/network.json');
 */
export function readDevnetNetwork(path: string): DevnetNetwork {
  const network = readDevnetNetworkOrUndefined(path);
  if (!network)
    throw new CommandError(`No devnet found (${path} is missing or unreadable).`, {
      details: [
        'Start the local network with `npm start` (or pass --rpc-url, --relay-url and --deployment).',
      ],
    });
  if (!network.running || !isAlive(network.pid))
    throw new CommandError(`The devnet of ${path} is not running.`, {
      details: ['Start it with `npm start` (its state is kept), then run the command again.'],
    });
  return network;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

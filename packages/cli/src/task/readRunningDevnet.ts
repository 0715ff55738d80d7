import { setTimeout as sleep } from 'node:timers/promises';
import { BaseError } from '@verinet/protocol';
import { getDevnetHolderPid } from '../devnet/claimDevnetDir.js';
import {
  type DevnetNetwork,
  readDevnetNetwork,
  readDevnetNetworkOrUndefined,
} from '../devnet/devnetNetwork.js';
import type { DevnetPaths } from '../devnet/devnetPaths.js';

export type ReadRunningDevnetParameters = {
  paths: Pick<DevnetPaths, 'dir' | 'network'>;
  /** How long to wait for a devnet that is starting to be up (default 60 s). */
  startWaitMs?: number | undefined;
  /** Says once that the command waits, and for what. */
  note?: ((line: string) => void) | undefined;
};

/** The devnet's folder is held by a devnet process that has not written its network file yet. */
export class DevnetStartingError extends BaseError {
  override name = 'DevnetStartingError' as const;
}

const defaultStartWaitMs = 60_000;
const pollMs = 250;

/**
 * The network file of a running devnet. A devnet that is starting (`npm start` again after a stop: its process
 * holds the folder, its network file is still the last run's) is waited for, up to `startWaitMs`, rather than
 * reported as not running; a devnet that is not running, or is stopping, is reported at once.
 *
 * @example
 * const network = await readRunningDevnet({ paths: getDevnetPaths('.verinet/devnet') });
 */
export async function readRunningDevnet(parameters: ReadRunningDevnetParameters): Promise<DevnetNetwork> {
  const { paths, note } = parameters;
  const deadline = Date.now() + (parameters.startWaitMs ?? defaultStartWaitMs);
  let waiting = false;
  for (;;) {
    const starting = getStartingDevnetPid(paths);
    if (starting === undefined) return readDevnetNetwork(paths.network);
    if (Date.now() >= deadline)
      throw new DevnetStartingError(
        `The devnet of ${paths.dir} is starting (pid ${starting}); run the command again in a moment.`,
        {
          details: [
            "It is up when `npm start` has printed the network's summary (state, models, contracts, nodes).",
          ],
        },
      );
    if (!waiting) note?.(`waiting for the devnet of ${paths.dir} to finish starting (pid ${starting})…`);
    waiting = true;
    await sleep(pollMs);
  }
}

/**
 * The pid of a devnet that holds the folder but whose network file is not its own yet (missing, or the last
 * run's). A network file of the holder that says `running: false` is a devnet stopping, not starting.
 */
function getStartingDevnetPid(paths: Pick<DevnetPaths, 'dir' | 'network'>): number | undefined {
  const holder = getDevnetHolderPid(paths.dir);
  if (holder === undefined) return undefined;
  return readDevnetNetworkOrUndefined(paths.network)?.pid === holder ? undefined : holder;
}

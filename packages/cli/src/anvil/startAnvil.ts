import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { BaseError } from '@verinet/protocol';
import { getFoundryBinary } from '../foundry/getFoundryBinary.js';
import { type AnvilStateSaver, createAnvilStateSaver } from './createAnvilStateSaver.js';
import type { AnvilStateSaveError } from './saveAnvilState.js';

export type StartAnvilParameters = {
  /** Port on 127.0.0.1; a free one is picked when omitted. */
  port?: number | undefined;
  chainId?: number | undefined;
  /** Seconds between blocks; omitted = a block per transaction (automine). */
  blockTime?: number | undefined;
  /** Extra accounts funded by anvil from its test mnemonic. */
  accounts?: number | undefined;
  /** Balance of each test account in ether. */
  balance?: number | undefined;
  /**
   * Keep the chain in this JSON state file across restarts: loaded at start (`--load-state`) when it exists, and
   * saved by this process, not by anvil (createAnvilStateSaver: atomically, every minute or less often when saving
   * takes long, and by `stop()` before anvil is stopped). anvil's own `--state` rewrote the file in place every
   * minute and at exit: a kill during the dump of a long chain (seconds for ≈ 200 MB) tore it.
   */
  stateFile?: string | undefined;
  /**
   * Start from this saved chain (`--load-state`, a file `stateFile` or `saveAnvilState` wrote) and save nothing
   * back: a copy of a chain to measure on (bench:network's chain-bound ceiling on the network's grown chain),
   * which the file must keep for the next start. Not with `stateFile`.
   */
  loadState?: string | undefined;
  /** A save of `stateFile` that failed (the previous file is kept). */
  onStateSaveError?: ((error: AnvilStateSaveError) => void) | undefined;
  gasLimit?: bigint | undefined;
  /**
   * Keep at most this many historical states in memory and none on disk (`--prune-history N`; the `--state` file
   * is still written). anvil 1.7 clones, and past its memory limit serializes, the whole accumulated state for
   * every block it keeps, so without it the CPU per block grows with the chain (fixed upstream after 1.7).
   */
  pruneHistory?: number | undefined;
  /**
   * The EVM rules anvil runs (`--hardfork`; anvil's own default when omitted). From Prague on, every block writes
   * its parent's hash into the EIP-2935 history contract (8,191 slots), and anvil 1.7 recomputes the whole state
   * root at each block: the devnet runs `cancun`, the contracts' compile target (contracts/foundry.toml), whose
   * per-block cost still grows with every storage slot written, at about half Prague's rate (bench:anvil-growth).
   */
  hardfork?: string | undefined;
  /** Fork this RPC (`--fork-url`). */
  forkUrl?: string | undefined;
  /**
   * Run as a fork of a second anvil, idle and empty, started for it and stopped with it (`forkUrl` is then
   * ignored). A forked anvil 1.7 computes no state root (its headers carry a zero `stateRoot`), so its cost per
   * block stays flat as storage grows, where a plain one rebuilds the whole trie at every block (bench:anvil-growth
   * `--fork`: 42–49 ms flat vs 59 → 131 ms of anvil CPU per task over 1,500 tasks). Blocks, hashes, logs, nonces
   * and the `--state` file behave as on a plain anvil; the base holds nothing, so a new one serves every restart.
   */
  forkIdleBase?: boolean | undefined;
  /** The genesis block's timestamp (`--timestamp`, seconds); anvil's start time when omitted. */
  genesisTimestamp?: number | undefined;
  /**
   * Called with each anvil's pid as soon as it is spawned (`base`: the idle anvil of `forkIdleBase`), before it
   * is ready: a caller that records pids for a later clean-up (the devnet's `devnet.pid`) loses none to a kill
   * in between.
   */
  onSpawn?: ((pid: number, role: 'chain' | 'base') => void) | undefined;
  /** Milliseconds to wait for the RPC to answer. */
  timeoutMs?: number | undefined;
  /**
   * Run anvil in its own process group, so a terminal's Ctrl-C (SIGINT to the whole foreground group) does not
   * stop the chain before the services that use it: the caller stops it last, with `stop()`.
   */
  ownProcessGroup?: boolean | undefined;
};

export type Anvil = {
  rpcUrl: string;
  port: number;
  process: ChildProcess;
  /** With `forkIdleBase`: the base anvil's process (stopped by `stop()` after this one). */
  baseProcess?: ChildProcess | undefined;
  stop: () => Promise<void>;
};

export class AnvilStartError extends BaseError {
  override name = 'AnvilStartError' as const;
}

/** anvil refused the `--state` file (not JSON, or not a state anvil wrote). */
export class AnvilStateFileError extends BaseError {
  override name = 'AnvilStateFileError' as const;
  readonly stateFile: string;
  constructor(stateFile: string, reason: string) {
    super(`The saved chain state ${stateFile} cannot be loaded: ${reason}.`);
    this.stateFile = stateFile;
  }
}

export async function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a local anvil chain on 127.0.0.1 and resolves once its RPC answers.
 *
 * @example
 * const anvil = await startAnvil();
 * // … use anvil.rpcUrl …
 * await anvil.stop();
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<Anvil> {
  if (parameters.stateFile !== undefined && parameters.loadState !== undefined)
    throw new AnvilStartError(
      'startAnvil takes a stateFile (load and save) or a loadState (load only), not both.',
    );
  if (parameters.forkIdleBase) return startForkOfIdleBase(parameters);
  const port = parameters.port ?? (await getFreePort());
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(parameters.chainId ?? 31337),
  ];
  if (parameters.blockTime !== undefined) args.push('--block-time', String(parameters.blockTime));
  if (parameters.accounts !== undefined) args.push('--accounts', String(parameters.accounts));
  if (parameters.balance !== undefined) args.push('--balance', String(parameters.balance));
  if (parameters.stateFile !== undefined && existsSync(parameters.stateFile))
    args.push('--load-state', parameters.stateFile);
  if (parameters.loadState !== undefined) args.push('--load-state', parameters.loadState);
  if (parameters.gasLimit !== undefined) args.push('--gas-limit', parameters.gasLimit.toString());
  if (parameters.pruneHistory !== undefined) args.push('--prune-history', String(parameters.pruneHistory));
  if (parameters.hardfork !== undefined) args.push('--hardfork', parameters.hardfork);
  if (parameters.forkUrl !== undefined) args.push('--fork-url', parameters.forkUrl);
  if (parameters.genesisTimestamp !== undefined)
    args.push('--timestamp', String(parameters.genesisTimestamp));
  const child = spawn(getFoundryBinary('anvil'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: parameters.ownProcessGroup ?? false,
  });
  if (child.pid !== undefined) parameters.onSpawn?.(child.pid, 'chain');
  let output = '';
  // anvil prints "Listening on HOST:PORT" once it has bound the port: that, not an RPC answer (which another
  // process on the same port could give), says this anvil is the one serving.
  let markListening: () => void = () => {};
  const listening = new Promise<void>((resolve) => {
    markListening = resolve;
  });
  const collect = (chunk: Buffer) => {
    if (output.length < 16_384) output += chunk.toString();
    if (output.includes(`Listening on 127.0.0.1:${port}`)) markListening();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const rpcUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      const stateProblem = /for '--load-state <PATH>': (.*)/.exec(output);
      const loaded = parameters.stateFile ?? parameters.loadState;
      if (stateProblem?.[1] && loaded !== undefined) {
        reject(new AnvilStateFileError(loaded, stateProblem[1].trim()));
        return;
      }
      reject(
        new AnvilStartError(`anvil exited before it was ready (code ${code}, signal ${signal}).`, {
          details: output.trim().split('\n').slice(-5),
        }),
      );
    });
    child.once('error', (cause) => reject(new AnvilStartError('anvil could not be started.', { cause })));
  });
  let saver: AnvilStateSaver | undefined;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const last = saver;
    saver = undefined;
    // The last save before the chain stops: anvil itself writes nothing.
    if (last) await last.stop().catch((error: AnvilStateSaveError) => parameters.onStateSaveError?.(error));
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(timer);
  };
  try {
    const timeoutMs = parameters.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new AnvilStartError(`anvil did not start listening on ${rpcUrl} within ${timeoutMs} ms.`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([listening.then(() => waitForRpc(rpcUrl, timeoutMs)), exited, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  exited.catch(() => {});
  if (parameters.stateFile !== undefined) {
    const started = createAnvilStateSaver({
      rpcUrl,
      file: parameters.stateFile,
      onError: parameters.onStateSaveError,
    });
    saver = started;
    // An anvil that exited by itself answers no more saves: no failing save every minute from then on.
    child.once('exit', () => {
      if (saver === started) saver = undefined;
      started.cancel();
    });
  }
  return { rpcUrl, port, process: child, stop };
}

/**
 * 2023-11-14T22:13:20Z: any fixed time before the fork's own blocks. A fork's clock starts at its fork block's time
 * (this one), not the machine's: startForkOfIdleBase sets it to the clock (`anvil_setTime`).
 */
const forkBaseGenesisTimestamp = 1_700_000_000;

async function startForkOfIdleBase(parameters: StartAnvilParameters): Promise<Anvil> {
  const base = await startAnvil({
    chainId: parameters.chainId,
    hardfork: parameters.hardfork,
    timeoutMs: parameters.timeoutMs,
    ownProcessGroup: parameters.ownProcessGroup,
    // One account: the fork's own accounts are funded by the fork, not read from the base.
    accounts: 1,
    // The fork serves block 0 from its base: a fixed genesis gives every base the same block 0, so a chain
    // reloaded from `--state` over a new base still has block 1's parent hash (review s10 finding 2).
    genesisTimestamp: forkBaseGenesisTimestamp,
    onSpawn: (pid) => parameters.onSpawn?.(pid, 'base'),
  });
  // A saved chain continues its own time: moving a reloaded one to the clock would age every task in flight by the
  // time the devnet was stopped (their timeouts, and their nodes' QoS, with them; review s15).
  const fresh =
    parameters.loadState === undefined &&
    (parameters.stateFile === undefined || !existsSync(parameters.stateFile));
  let anvil: Anvil;
  try {
    anvil = await startAnvil({ ...parameters, forkIdleBase: false, forkUrl: base.rpcUrl });
  } catch (error) {
    await base.stop();
    throw error;
  }
  try {
    await setForkClock(anvil.rpcUrl, fresh);
  } catch (error) {
    await anvil.stop();
    await base.stop();
    throw new AnvilStartError(`Could not set the forked chain's clock: ${(error as Error).message}`);
  }
  // The fork reads accounts it has not cached from the base: without it, it would fail calls at random. Stop
  // the fork (which saves its state file first) so that its owner sees the chain end, not odd errors.
  const onBaseExit = () => void anvil.stop();
  base.process.once('exit', onBaseExit);
  anvil.process.once('exit', () => void base.stop());
  return {
    ...anvil,
    baseProcess: base.process,
    stop: async () => {
      base.process.off('exit', onBaseExit);
      await anvil.stop();
      await base.stop();
    },
  };
}

/**
 * A fork's next blocks continue its fork block's time (the base's fixed genesis, 2023), also when it reloads a saved
 * chain whose blocks are later. A fresh chain is moved to the clock (`anvil_setTime`; later blocks advance with
 * it); a reloaded one continues from its own latest block (the time the devnet was stopped does not pass for the
 * tasks in flight, and a chain's time never goes back). Timeouts count from a task's own state time, so only the
 * chain's dates change, not how long anything takes.
 */
async function setForkClock(rpcUrl: string, fresh: boolean): Promise<void> {
  const call = async (method: string, params: unknown[]) => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message ?? 'refused'}`);
    return body.result;
  };
  const latest = (await call('eth_getBlockByNumber', ['latest', false])) as { timestamp: string };
  const saved = Number(BigInt(latest.timestamp));
  await call('anvil_setTime', [fresh ? Math.max(saved, Math.floor(Date.now() / 1000)) : saved]);
}

async function waitForRpc(rpcUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new AnvilStartError(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

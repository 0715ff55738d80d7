import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnvilStateSaveError, saveAnvilState } from '../anvil/saveAnvilState.js';
import { CommandError } from '../cli/errors.js';

/** `<dir>/devnet.pid`: who runs the devnet of this folder, so a start after a crash can clean up. */
export type DevnetPidFile = {
  devnetPid: number;
  anvilPid?: number | undefined;
  /** The idle anvil the chain forks (`forkIdleBase`): it outlives a killed devnet like the chain itself. */
  anvilBasePid?: number | undefined;
  /** The explorer's indexer (Ponder), a child process like anvil that outlives a killed devnet. */
  explorerPid?: number | undefined;
  /**
   * Each process's start (`readStartTime`), recorded with its pid: a pid reused by another process after the
   * devnet died (or after a reboot) has another start, so it is never signalled nor taken for a running devnet.
   */
  devnetStart?: string | undefined;
  anvilStart?: string | undefined;
  anvilBaseStart?: string | undefined;
  explorerStart?: string | undefined;
  port: number;
};

export type ClaimDevnetDirParameters = {
  dir: string;
  port: number;
  log: (line: string) => void;
  /** Milliseconds to wait for a left-over process to exit. */
  stopTimeoutMs?: number | undefined;
  /** The devnet's chain state file: a left-over anvil's chain is saved to it before that anvil is stopped. */
  stateFile?: string | undefined;
};

export type DevnetClaim = {
  pidFile: string;
  /**
   * Records an anvil this devnet spawned (`base`: the idle anvil the chain forks), so the next start can stop it
   * if this process is killed.
   */
  recordAnvil: (pid: number, role?: 'chain' | 'base') => void;
  /** The same for the explorer's indexer. */
  recordExplorer: (explorerPid: number) => void;
  release: () => void;
};

/**
 * Takes the devnet folder for this process. A devnet still running from the same folder is an error (two
 * anvils on one state file would overwrite each other). An anvil left behind by a devnet that was killed
 * (kill -9 stops the devnet, not its anvil, which keeps the port) has its chain saved to `stateFile`
 * (saveAnvilState: anvil writes no state of its own) and is then stopped, and so is a left-over explorer indexer (Ponder, which keeps its port and its database's lock);
 * then the start goes on.
 *
 * @example
 * const claim = await claimDevnetDir({ dir, port: 8545, log: console.log });
 */
export async function claimDevnetDir(parameters: ClaimDevnetDirParameters): Promise<DevnetClaim> {
  const { dir, log } = parameters;
  const pidFile = join(dir, 'devnet.pid');
  const previous = readPidFile(pidFile);
  if (
    previous &&
    previous.devnetPid !== process.pid &&
    isRunning(previous.devnetPid, previous.devnetStart, 'node')
  ) {
    throw new CommandError(
      `A devnet is already running from ${dir} (pid ${previous.devnetPid}, port ${previous.port}).`,
      {
        details: [
          `Stop it first (Ctrl-C in its terminal, or kill ${previous.devnetPid}), or use another --dir.`,
        ],
      },
    );
  }
  // The indexer first: it reads the chain, and would log errors while anvil stops under it.
  if (previous?.explorerPid && isRunning(previous.explorerPid, previous.explorerStart, 'ponder')) {
    log(
      `Stopping the explorer's indexer (pid ${previous.explorerPid}) left running by a devnet that did not shut down…`,
    );
    await stopProcess(previous.explorerPid, parameters.stopTimeoutMs ?? 10_000);
  }
  if (previous?.anvilPid && isRunning(previous.anvilPid, previous.anvilStart, 'anvil')) {
    log(
      `Saving the chain of anvil (pid ${previous.anvilPid}, port ${previous.port}), left running by a devnet that did not shut down, then stopping it…`,
    );
    if (parameters.stateFile !== undefined)
      await saveAnvilState(`http://127.0.0.1:${previous.port}`, parameters.stateFile).catch(
        (error: AnvilStateSaveError) => log(`${error.shortMessage} The last saved state is kept.`),
      );
    await stopProcess(previous.anvilPid, parameters.stopTimeoutMs ?? 10_000);
  }
  // After the chain (which reads it until its state is saved); it holds nothing of its own.
  if (previous?.anvilBasePid && isRunning(previous.anvilBasePid, previous.anvilBaseStart, 'anvil'))
    await stopProcess(previous.anvilBasePid, parameters.stopTimeoutMs ?? 10_000);
  let contents: DevnetPidFile = {
    devnetPid: process.pid,
    devnetStart: readStartTime(process.pid),
    port: parameters.port,
  };
  const write = (patch: Partial<DevnetPidFile>) => {
    contents = { ...contents, ...patch };
    writeFileSync(pidFile, `${JSON.stringify(contents)}\n`);
  };
  write({});
  return {
    pidFile,
    recordAnvil: (pid, role = 'chain') =>
      write(
        role === 'base'
          ? { anvilBasePid: pid, anvilBaseStart: readStartTime(pid) }
          : { anvilPid: pid, anvilStart: readStartTime(pid) },
      ),
    recordExplorer: (explorerPid) => write({ explorerPid, explorerStart: readStartTime(explorerPid) }),
    release: () => {
      if (readPidFile(pidFile)?.devnetPid === process.pid) rmSync(pidFile, { force: true });
    },
  };
}

/**
 * The devnet process that holds `dir` now, or undefined: its pid file names a live process, the one recorded
 * there. A devnet holds its folder from the first step of its start, long before its network file says it runs.
 *
 * @example
 * const pid = getDevnetHolderPid('.verinet/devnet');
 */
export function getDevnetHolderPid(dir: string): number | undefined {
  const holder = readPidFile(join(dir, 'devnet.pid'));
  return holder && isRunning(holder.devnetPid, holder.devnetStart, 'node') ? holder.devnetPid : undefined;
}

function readPidFile(path: string): DevnetPidFile | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<DevnetPidFile>;
    if (!Number.isSafeInteger(value.devnetPid) || !Number.isSafeInteger(value.port)) return undefined;
    return {
      devnetPid: value.devnetPid as number,
      port: value.port as number,
      anvilPid: Number.isSafeInteger(value.anvilPid) ? value.anvilPid : undefined,
      anvilBasePid: Number.isSafeInteger(value.anvilBasePid) ? value.anvilBasePid : undefined,
      explorerPid: Number.isSafeInteger(value.explorerPid) ? value.explorerPid : undefined,
      devnetStart: typeof value.devnetStart === 'string' ? value.devnetStart : undefined,
      anvilStart: typeof value.anvilStart === 'string' ? value.anvilStart : undefined,
      anvilBaseStart: typeof value.anvilBaseStart === 'string' ? value.anvilBaseStart : undefined,
      explorerStart: typeof value.explorerStart === 'string' ? value.explorerStart : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * When `pid` started: the boot's id and the start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
 * A pid and its start name one process for good, across pid wrap-around and reboots. Undefined without /proc
 * (macOS) or when the process is gone.
 */
function readStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name, in parentheses) may hold spaces and ')': the fields after it start after the
    // last ')'; they begin with field 3, so field 22 is the 20th.
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (!ticks || !/^\d+$/.test(ticks)) return undefined;
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${bootId}:${ticks}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is alive and is the process we recorded: the same start when one was recorded; else (a pid file
 * from an older devnet) a process whose program is exactly `program` (anvil's binary, `node`, or node running
 * `ponder.js`), never one that merely has a file named like it among its arguments (`tail -f anvil.log`).
 *
 * @example
 * if (isRunning(file.anvilPid, file.anvilStart, 'anvil')) process.kill(file.anvilPid, 'SIGKILL');
 */
export function isRunning(pid: number, recordedStart: string | undefined, program: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (recordedStart !== undefined) return readStartTime(pid) === recordedStart;
  let commandLine: string[];
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    // No /proc (macOS): trust the signal check.
    return true;
  }
  const name = (part: string | undefined) => part?.split('/').pop() ?? '';
  const executable = name(commandLine[0]);
  if (executable === program) return true;
  return executable === 'node' && [program, `${program}.js`, `${program}.mjs`].includes(name(commandLine[1]));
}

async function stopProcess(pid: number, timeoutMs: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive()) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

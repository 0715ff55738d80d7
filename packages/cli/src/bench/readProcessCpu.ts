import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) used so far by a process tree, by role. */
export type ProcessTreeCpu = Map<string, number>;

const clockTicks = 100;

/**
 * CPU time used so far by `rootPid` and its descendants, from /proc (Linux; an empty map elsewhere), grouped by
 * `roleOf(pid, command line)`. Differences of two readings give the CPU a run cost each role, which, unlike wall
 * time, hardly depends on what else the machine runs.
 */
export function readProcessTreeCpu(
  rootPid: number,
  roleOf: (pid: number, commandLine: string) => string,
): ProcessTreeCpu {
  const byRole: ProcessTreeCpu = new Map();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return byRole;
  }
  const parents = new Map<number, number>();
  const seconds = new Map<number, number>();
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: the fields after its last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      seconds.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / clockTicks);
    } catch {
      // The process ended while the folder was read.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let current: number | undefined = pid, depth = 0; current && depth < 64; depth++) {
      if (current === rootPid) return true;
      current = parents.get(current);
    }
    return false;
  };
  for (const [pid, used] of seconds) {
    if (!inTree(pid)) continue;
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    const role = roleOf(pid, commandLine);
    byRole.set(role, (byRole.get(role) ?? 0) + used);
  }
  return byRole;
}

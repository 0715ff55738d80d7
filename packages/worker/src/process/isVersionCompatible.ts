/**
 * Whether a node implementing `nodeVersion` may run a task written for `taskVersion`: same major, and the
 * node's minor.patch at least the task's (TASK-ARGS.md, "Versions and model ids").
 *
 * @example isVersionCompatible('1.2.0', '1.1.5') // true
 */
export function isVersionCompatible(nodeVersion: string, taskVersion: string): boolean {
  const node = parseVersion(nodeVersion);
  const task = parseVersion(taskVersion);
  if (!node || !task) return false;
  if (node[0] !== task[0]) return false;
  if (node[1] !== task[1]) return node[1] > task[1];
  return node[2] >= task[2];
}

function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

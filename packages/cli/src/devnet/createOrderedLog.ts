/**
 * Lines of parallel steps numbered 0…count-1, printed in that order as soon as each one's predecessors are: the
 * devnet's nodes start together and finish in any order, and "node 2, node 0, node 1" read as a fault. Nothing
 * waits on the printing: a step that finished early is printed when the steps before it have been.
 *
 * @example
 * const ordered = createOrderedLog(3, log);
 * ordered(2, 'Node 2 …'); // held
 * ordered(0, 'Node 0 …'); // prints node 0
 * ordered(1, 'Node 1 …'); // prints node 1, then node 2
 */
export function createOrderedLog(
  count: number,
  log: (line: string) => void,
): (index: number, line: string) => void {
  const held = new Map<number, string>();
  let next = 0;
  return (index, line) => {
    if (!Number.isInteger(index) || index < next || index >= count || held.has(index))
      throw new RangeError(`line ${index} was given already or is outside 0…${count - 1}`);
    held.set(index, line);
    while (held.has(next)) {
      log(held.get(next)!);
      held.delete(next);
      next++;
    }
  };
}

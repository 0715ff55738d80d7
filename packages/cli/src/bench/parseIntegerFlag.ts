/**
 * A benchmark's integer flag, as `parseArgs` hands it (text), at least `min`. Anything else ends the run at
 * once with a one-line error naming the flag and exit code 1: a benchmark script has no command tree to
 * report through, and a run must not start on a value it would misread.
 *
 * @example
 * const tasks = parseIntegerFlag('tasks', values.tasks, 1); // `--tasks 3000` → 3000
 */
export function parseIntegerFlag(name: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    const wanted = min === 1 ? 'a positive integer' : `an integer ≥ ${min}`;
    console.error(`error: --${name} must be ${wanted}, got "${text}".`);
    process.exit(1);
  }
  return value;
}

/**
 * Whether `test` holds for `error` or one of its causes (`.cause` chains, as viem and Node.js build them), at most
 * 8 deep: a cyclic chain ends the walk instead of looping.
 *
 * @example
 * someCause(error, (cause) => /insufficient funds/i.test(String((cause as Error).message)));
 */
export function someCause(error: unknown, test: (cause: unknown) => boolean): boolean {
  let cause = error;
  for (let depth = 0; cause && depth < 8; depth++) {
    if (test(cause)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

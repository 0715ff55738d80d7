/** Whether errors show their stack: `--verbose` anywhere on the command line or DEBUG naming verinet. */
export function isVerbose(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (argv.includes('--verbose')) return true;
  const debug = env.DEBUG ?? '';
  return debug.split(/[\s,]+/).some((name) => name === 'verinet' || name === 'verinet:*' || name === '*');
}

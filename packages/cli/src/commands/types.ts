export type Command = {
  summary: string;
  /** Runs the command with its own arguments; resolves to the process exit code. */
  run: (argv: string[]) => Promise<number>;
};

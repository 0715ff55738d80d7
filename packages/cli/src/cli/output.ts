/**
 * Where the CLI writes: data on stdout, messages and progress on stderr. One indirection so that tests can
 * capture a run in-process without touching the real streams (which the test runner itself uses).
 */
export const output = {
  stdout: (text: string): void => {
    process.stdout.write(text);
  },
  stderr: (text: string): void => {
    process.stderr.write(text);
  },
};

/** Prints a line of data (stdout). */
export function printLine(line: string): void {
  output.stdout(`${line}\n`);
}

/** Prints a line of information or progress (stderr), keeping stdout for data. */
export function printNote(line: string): void {
  output.stderr(`${line}\n`);
}

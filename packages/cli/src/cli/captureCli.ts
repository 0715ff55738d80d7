import { output } from './output.js';
import { runCli } from './runCli.js';

export type CapturedRun = { status: number; stdout: string; stderr: string };

/**
 * Runs the CLI in this process with its output captured and environment variables set for the run only: the
 * same code path as the `verinet` binary without paying a Node start per case. Tests only; runs must not
 * overlap.
 *
 * @example
 * const { status, stderr } = await captureCli(['stake-calc', '--honest', 'x']);
 */
export async function captureCli(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<CapturedRun> {
  const captured = { stdout: '', stderr: '' };
  const streams = { ...output };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  output.stdout = (text) => {
    captured.stdout += text;
  };
  output.stderr = (text) => {
    captured.stderr += text;
  };
  setEnv(env);
  try {
    const status = await runCli(argv);
    return { status, ...captured };
  } finally {
    Object.assign(output, streams);
    setEnv(saved);
  }
}

import { CommanderError } from 'commander';
import { createProgram } from './createProgram.js';
import { ExitCodeError, UsageError } from './errors.js';
import { formatError } from './formatError.js';
import { isVerbose } from './isVerbose.js';
import { printNote } from './output.js';

/**
 * Runs the `verinet` command line and resolves to the process exit code. Every failure ends here and prints
 * one line (what is wrong, what to do); `--verbose` or `DEBUG=verinet` adds the stack.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = await createProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitCodeError) return error.exitCode;
    if (error instanceof CommanderError) {
      // Help and version are not failures.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode;
      const path = (error as CommanderError & { commandPath?: string[] }).commandPath ?? [];
      // The sub-commands of the command that refused the name (`verinet task frob` lists task's).
      let parent = program;
      for (const name of path) parent = parent.commands.find((c) => c.name() === name) ?? parent;
      const commands = parent.commands.map((command) => command.name()).filter((name) => name !== 'help');
      printNote(formatError(toUsageError(error, path, commands), { verbose: isVerbose(argv) }));
      return error.code === 'commander.unknownCommand' ? 2 : 1;
    }
    printNote(formatError(error, { verbose: isVerbose(argv) }));
    return 1;
  }
}

/** Commander's messages, reworded to the project's form: capitalised, "is required", and where to look. */
function toUsageError(error: CommanderError, commandPath: string[], commands: string[]): UsageError {
  const message = error.message.replace(/^error:\s*/, '');
  const helpHint = `Run \`verinet ${[...commandPath, '--help'].join(' ')}\` for the options.`;
  const required = /^required option '([^']+)' not specified/.exec(message);
  if (required) return new UsageError(`${required[1]} is required.`, { details: [helpHint] });
  const missingArgument = /^missing required argument '([^']+)'/.exec(message);
  if (missingArgument) {
    return new UsageError(`${(missingArgument[1] ?? '').toUpperCase()} is required.`, {
      details: [helpHint],
    });
  }
  const unknownCommand = /^unknown command '([^']+)'(.*)$/s.exec(message);
  if (unknownCommand) {
    return new UsageError(
      `Unknown command "${unknownCommand[1]}".${unknownCommand[2]?.trim() ? ` ${unknownCommand[2].trim()}` : ''}`,
      {
        details: [
          `Commands: ${commands.join(', ')}. Run \`verinet ${[...commandPath, '--help'].join(' ')}\`.`,
        ],
      },
    );
  }
  // `verinet --json task list`: the program itself has no such option; the command it names does.
  if (commandPath.length === 0 && /^unknown option '/.test(message))
    return new UsageError(`${message.charAt(0).toUpperCase()}${message.slice(1)}.`, {
      details: [
        'Options go after the command they belong to, e.g. `verinet task list --json`; `verinet COMMAND --help` lists them.',
      ],
    });
  const text = `${message.charAt(0).toUpperCase()}${message.slice(1)}`.replace(/\s*\n\s*/g, ' ');
  return new UsageError(/[.?)]$/.test(text) ? text : `${text}.`, { details: [helpHint] });
}

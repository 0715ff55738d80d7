#!/usr/bin/env -S node --import tsx
import { runCli } from './cli/runCli.js';

// A reader that stops early (`verinet task list | head -1`) closes the pipe: the output is no longer wanted,
// which ends the CLI quietly and successfully, as Unix tools do, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2));

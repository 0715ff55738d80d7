#!/usr/bin/env -S node --import tsx
import { runCli } from './cli/runCli.js';

process.exitCode = await runCli(process.argv.slice(2));

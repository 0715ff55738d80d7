import { main as runNodeCli } from '@verinet/node/cli';
import type { Command } from './types.js';

/** `verinet node …`: the logic lives in packages/node (src/cli); this only registers the command. */
export const nodeCommand: Command = {
  summary: 'run a node: join, pause, resume, quit, withdraw, status, run the daemon',
  run: (argv) => runNodeCli(argv),
};

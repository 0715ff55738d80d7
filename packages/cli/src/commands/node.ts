import { Command } from 'commander';
import { ExitCodeError } from '../cli/errors.js';

/**
 * `verinet node …`: the node daemon and its membership commands. The logic, its options and its help live in
 * packages/node (`src/cli/main.ts`, also spawned on its own by the crash tests); this passes the arguments on.
 */
export function createNodeCommand(): Command {
  return new Command('node')
    .summary('run a node: join, pause, resume, quit, withdraw, status, run the daemon')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'the node action and its options (verinet node --help)')
    .action(async (args: string[]) => {
      const { main } = await import('@verinet/node/cli');
      const code = await main(args);
      if (code !== 0) throw new ExitCodeError(code);
    });
}

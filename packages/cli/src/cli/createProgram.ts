import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { createBridgeCommand } from '../commands/bridge.js';
import { createDeployCommand } from '../commands/deploy.js';
import { createDevnetCommand } from '../commands/devnet.js';
import { createKeystoreCommand } from '../commands/keystore.js';
import { createModelCommand } from '../commands/model.js';
import { createNodeCommand } from '../commands/node.js';
import { createRelayCommand } from '../commands/relay.js';
import { createStakeCalcCommand } from '../commands/stakeCalc.js';
import { createTaskCommand } from '../commands/task.js';
import { output } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The `verinet` command tree. Errors are not printed by commander: they are thrown (with the command path
 * attached) to `runCli`, which prints them in the project's one-line form.
 *
 * @example
 * await createProgram().parseAsync(['stake-calc', '--honest', '90', '--dishonest', '10'], { from: 'user' });
 */
export function createProgram(): Command {
  const program = new Command('verinet')
    .description(
      'Verinet: verifiable AI inference. Local network, tasks, deployment, keys, models, staking maths.',
    )
    .version(version, '-V, --version', 'print the version')
    .option('--verbose', 'show the stack trace of an error')
    .helpCommand(false)
    .addCommand(createBridgeCommand())
    .addCommand(createDevnetCommand())
    .addCommand(createDeployCommand())
    .addCommand(createKeystoreCommand())
    .addCommand(createModelCommand())
    .addCommand(createNodeCommand())
    .addCommand(createRelayCommand())
    .addCommand(createStakeCalcCommand())
    .addCommand(createTaskCommand());
  configure(program, []);
  return program;
}

function configure(command: Command, path: string[]): void {
  command
    .configureOutput({
      writeOut: (text) => output.stdout(text),
      writeErr: (text) => output.stderr(text),
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    .exitOverride((error) => {
      throw Object.assign(error, { commandPath: path });
    });
  for (const sub of command.commands) configure(sub, [...path, sub.name()]);
}

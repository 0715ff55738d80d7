import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { output } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The top-level commands: their summary (what `verinet --help` lists) and the module that defines them. Only
 * the command being run is loaded: every command module pulls in its own world (viem, the devnet, the SDK),
 * and loading all of them cost seconds on every invocation, `--help` included. `createProgram.test.ts` checks
 * that each summary here is the one its module gives.
 */
export const commandModules: { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'bridge',
    summary: 'run the bridge (OpenAI-compatible API, API keys, web UI)',
    load: async () => (await import('../commands/bridge.js')).createBridgeCommand(),
  },
  {
    name: 'devnet',
    summary: 'start the whole local network: chain and contracts, relay, nodes',
    load: async () => (await import('../commands/devnet.js')).createDevnetCommand(),
  },
  {
    name: 'deploy',
    summary: 'deploy the contracts to an EVM chain and write the deployment file',
    load: async () => (await import('../commands/deploy.js')).createDeployCommand(),
  },
  {
    name: 'keystore',
    summary: 'create keystore files and show their addresses',
    load: async () => (await import('../commands/keystore.js')).createKeystoreCommand(),
  },
  {
    name: 'model',
    summary: 'fetch, import, list and verify models in the local model store',
    load: async () => (await import('../commands/model.js')).createModelCommand(),
  },
  {
    name: 'node',
    summary: 'run a node: join, pause, resume, quit, withdraw, status, run the daemon',
    load: async () => (await import('../commands/node.js')).createNodeCommand(),
  },
  {
    name: 'relay',
    summary: 'run the relay (task arguments and results)',
    load: async () => (await import('../commands/relay.js')).createRelayCommand(),
  },
  {
    name: 'stake-calc',
    summary: 'compute the stake that makes a Sybil attack unprofitable',
    load: async () => (await import('../commands/stakeCalc.js')).createStakeCalcCommand(),
  },
  {
    name: 'task',
    summary: 'run a task (image or chat) on the network and follow it; list and inspect tasks',
    load: async () => (await import('../commands/task.js')).createTaskCommand(),
  },
];

/**
 * The `verinet` command tree for `argv`: the command argv names is loaded in full, the others stand as their
 * name and summary (enough for `verinet --help` and for "unknown command" suggestions). Errors are not printed
 * by commander: they are thrown (with the command path attached) to `runCli`, which prints them in the
 * project's one-line form.
 *
 * @example
 * await (await createProgram(argv)).parseAsync(argv, { from: 'user' });
 */
export async function createProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('verinet')
    .description(
      'Verinet: verifiable AI inference. Local network, tasks, deployment, keys, models, staking maths.',
    )
    .version(version, '-V, --version', 'print the version')
    .option('--verbose', 'show the stack trace of an error')
    .helpCommand(false);
  // The root takes no option with a value, so the first word not starting with '-' is the command.
  const wanted = argv.find((word) => !word.startsWith('-'));
  for (const entry of commandModules) {
    program.addCommand(
      entry.name === wanted ? await entry.load() : new Command(entry.name).summary(entry.summary),
    );
  }
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
  if (command.options.some((option) => option.mandatory)) checkRequiredAfterUnknown(command);
  for (const sub of command.commands) configure(sub, [...path, sub.name()]);
}

/**
 * Commander 8 checks required options before unknown ones, so `task run --bogus` said "--type is required":
 * its own check is moved after the unknown-option check (to just before the action), in the same words.
 */
function checkRequiredAfterUnknown(command: Command): void {
  const internal = command as unknown as { _checkForMissingMandatoryOptions?: () => void };
  const check = internal._checkForMissingMandatoryOptions?.bind(command);
  if (!check) return;
  internal._checkForMissingMandatoryOptions = () => {};
  command.hook('preAction', (self, action) => {
    if (self === action) check();
  });
}

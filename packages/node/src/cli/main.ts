#!/usr/bin/env -S node --import tsx
/**
 * `node --import tsx packages/node/src/cli/main.ts <action> [options]`: the node command without the rest of
 * the CLI (the crash tests spawn it; `verinet node …` runs the same functions).
 */
import { parseArgs } from 'node:util';
import { BaseError } from '@verinet/protocol';
import { type NodeAction, nodeActions, nodeCommandHelp, runNodeAction } from './nodeCommands.js';

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // One line, as every verinet command fails: node's parser adds advice about '--' that does not apply here.
    const reason = ((error as Error).message.split('. ')[0] ?? '').replace(/\.$/, '');
    console.error(`error: ${reason}. Run \`verinet node --help\` for the options.`);
    return 2;
  }
  const { values, positionals } = parsed;
  const action = positionals[0];
  if (values.help || !action) {
    console.log(nodeCommandHelp);
    return values.help ? 0 : 1;
  }
  if (!nodeActions.includes(action as NodeAction)) {
    console.error(`error: Unknown node action "${action}". Actions: ${nodeActions.join(', ')}.`);
    return 2;
  }
  try {
    return await runNodeAction(action as NodeAction, {
      config: values.config,
      rpcUrl: values['rpc-url'],
      deployment: values.deployment,
      keystore: values.keystore,
      passwordFile: values['password-file'],
      dataDir: values['data-dir'],
      modelsDir: values['models-dir'],
      stake: values.stake,
      models: values.models,
      json: values.json,
    });
  } catch (error) {
    const line =
      error instanceof BaseError
        ? [error.shortMessage, ...error.details].map((part) => part.trim()).join(' ')
        : ((error as Error).message.split('\n')[0] ?? '');
    console.error(`error: ${line.replace(/\s*\n\s*/g, ' ')}`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      'rpc-url': { type: 'string' },
      deployment: { type: 'string' },
      keystore: { type: 'string' },
      'password-file': { type: 'string' },
      'data-dir': { type: 'string' },
      'models-dir': { type: 'string' },
      stake: { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

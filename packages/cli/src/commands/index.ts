import { deployCommand } from './deploy.js';
import { devnetCommand } from './devnet.js';
import { keystoreCommand } from './keystore.js';
import { modelCommand } from './model.js';
import { nodeCommand } from './node.js';
import { relayCommand } from './relay.js';
import { stakeCalcCommand } from './stakeCalc.js';
import type { Command } from './types.js';

export const commands: Record<string, Command> = {
  devnet: devnetCommand,
  deploy: deployCommand,
  keystore: keystoreCommand,
  model: modelCommand,
  node: nodeCommand,
  relay: relayCommand,
  'stake-calc': stakeCalcCommand,
};

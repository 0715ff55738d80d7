import { stakeCalc } from '@verinet/protocol/staking';
import { formatEther, parseEther } from 'viem';
import { parseCommandArgs, parseIntegerOption, UsageError } from './parseCommandArgs.js';
import type { Command } from './types.js';

const help = `verinet stake-calc --honest H --dishonest D [--sampling-rate 0.1] [--task-price 0.01]

How much each node must stake so that a Sybil attacker running D of the H + D nodes (submitting the same fake
result everywhere) loses money on average: p(h, d) = (C(d,2)·C(h,1) + C(d,3)) / C(d+h,3),
E = (1−r)k + r(pk − (1−p)s), s = ((1−r)k + rpk) / (r(1−p)). Task price and stake in ether. See docs/staking.md.`;

export const stakeCalcCommand: Command = {
  summary: 'compute the stake that makes a Sybil attack unprofitable',
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      {
        honest: { type: 'string' },
        dishonest: { type: 'string' },
        'sampling-rate': { type: 'string' },
        'task-price': { type: 'string' },
      },
      help,
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (values.honest === undefined || values.dishonest === undefined) {
      throw new UsageError('--honest and --dishonest are required.', { details: [help] });
    }
    const honest = parseIntegerOption('honest', values.honest, 0, 0, 10_000_000);
    const dishonest = parseIntegerOption('dishonest', values.dishonest, 0, 0, 10_000_000);
    const samplingRate = Number(values['sampling-rate'] ?? '0.1');
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new UsageError(`--sampling-rate must be in (0, 1], got "${values['sampling-rate']}".`);
    }
    let taskPrice: bigint;
    try {
      taskPrice = parseEther(values['task-price'] ?? '0.01');
    } catch {
      throw new UsageError(`--task-price must be an amount in ether, got "${values['task-price']}".`);
    }
    if (taskPrice <= 0n) throw new UsageError('--task-price must be positive.');
    const result = stakeCalc({ honest, dishonest, samplingRate, taskPrice });
    console.log(
      `nodes: ${honest} honest, ${dishonest} dishonest; sampling rate ${result.samplingRate}; task price ${formatEther(taskPrice)}`,
    );
    console.log(`p (attacker wins a validation group): ${result.p.toPrecision(6)}`);
    if (result.requiredStake === null) {
      console.log('No stake deters this attacker: he wins every validation group (p = 1).');
      return 0;
    }
    console.log(
      `required stake per node: ${formatEther(result.requiredStake)} (${(Number(result.requiredStake) / Number(taskPrice)).toFixed(2)} task prices)`,
    );
    for (const factor of [1n, 2n]) {
      const stake = result.requiredStake * factor;
      console.log(
        `  expected attack gain per task at stake ${formatEther(stake)}: ${formatEther(result.expectedAttackReward(stake))}`,
      );
    }
    return 0;
  },
};

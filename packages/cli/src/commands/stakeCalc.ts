import { stakeCalc } from '@verinet/protocol/staking';
import { Command } from 'commander';
import { UsageError } from '../cli/errors.js';
import { formatAmount } from '../cli/formatAmount.js';
import { parseIntegerArgument } from '../cli/options.js';
import { printLine } from '../cli/output.js';
import { parseAmount } from '../cli/parseAmount.js';
import { printJson } from '../cli/printJson.js';

/** Rates below this need stakes beyond any token supply; the contract itself allows 1/1000 at least. */
const minSamplingRate = 1e-6;
/** 2^128 wei (~3.4·10^20 ether): more than any token's supply, so no real stake. */
const absurdStake = 2n ** 128n;

type StakeCalcOptions = {
  honest: number;
  dishonest: number;
  samplingRate: string;
  taskPrice: string;
  json?: boolean;
};

export function createStakeCalcCommand(): Command {
  return new Command('stake-calc')
    .summary('compute the stake that makes a Sybil attack unprofitable')
    .description(
      `How much each node must stake so that a Sybil attacker running D of the H + D nodes (submitting the same fake result everywhere) loses money on average: p(h, d) = (C(d,2)·C(h,1) + C(d,3)) / C(d+h,3), E = (1−r)k + r(pk − (1−p)s), s = ((1−r)k + rpk) / (r(1−p)). See docs/staking.md.`,
    )
    .requiredOption('--honest <H>', 'honest nodes', parseIntegerArgument('--honest', 0, 10_000_000))
    .requiredOption(
      '--dishonest <D>',
      "the attacker's nodes",
      parseIntegerArgument('--dishonest', 0, 10_000_000),
    )
    .option('--sampling-rate <r>', 'share of tasks validated by three nodes, in (0, 1]', '0.1')
    .option('--task-price <amount>', 'price of one task: ether, or with a unit (10gwei, 1000wei)', '0.01')
    .option('--json', 'print the result as JSON (amounts in wei, as strings)')
    .action((options: StakeCalcOptions) => {
      const { honest, dishonest } = options;
      if (honest + dishonest < 3) {
        throw new UsageError(
          `--honest + --dishonest must be at least 3 (a validation group has 3 nodes), got ${honest + dishonest}.`,
        );
      }
      const samplingRate = parseSamplingRate(options.samplingRate);
      const taskPrice = parseAmount('--task-price', options.taskPrice);
      if (taskPrice === 0n) throw new UsageError('--task-price must be more than 0.');
      const result = stakeCalc({ honest, dishonest, samplingRate, taskPrice });
      const verdict =
        dishonest === 0
          ? 'no-attacker'
          : result.requiredStake === null
            ? 'undeterrable'
            : result.requiredStake > absurdStake
              ? 'absurd-stake'
              : 'deterred';
      const stakes =
        verdict === 'deterred' && result.requiredStake !== null
          ? [result.requiredStake, result.requiredStake * 2n]
          : [];
      if (options.json) {
        printJson({
          honest,
          dishonest,
          samplingRate: result.samplingRate,
          taskPriceWei: taskPrice,
          p: result.p,
          verdict,
          requiredStakeWei: verdict === 'deterred' ? result.requiredStake : null,
          expectedAttackGainWei: stakes.map((stake) => ({
            stakeWei: stake,
            gainWei: result.expectedAttackReward(stake),
          })),
        });
        return;
      }
      printLine(
        `nodes: ${honest} honest, ${dishonest} dishonest; sampling rate ${formatNumber(result.samplingRate)}; task price ${formatAmount(taskPrice)}`,
      );
      printLine(`p (attacker wins a validation group): ${formatNumber(result.p)}`);
      if (verdict === 'no-attacker') {
        printLine('An attacker with 0 nodes cannot win a validation group: there is nothing to deter.');
        return;
      }
      if (verdict === 'undeterrable') {
        printLine('No stake deters this attacker: he wins every validation group (p = 1). Add honest nodes.');
        return;
      }
      if (verdict === 'absurd-stake' && result.requiredStake !== null) {
        printLine(
          `No real stake deters this attacker: it would take ${formatAmount(result.requiredStake)} per node. Raise the sampling rate.`,
        );
        return;
      }
      const required = result.requiredStake ?? 0n;
      printLine(
        `required stake per node: ${formatAmount(required)} (${formatNumber(Number((required * 1_000_000n) / taskPrice) / 1_000_000)} task prices)`,
      );
      for (const stake of stakes) {
        printLine(
          `  expected attack gain per task at stake ${formatAmount(stake)}: ${formatAmount(result.expectedAttackReward(stake))}`,
        );
      }
    });
}

function parseSamplingRate(text: string): number {
  const rate = /^\s*(\d+(\.\d*)?|\.\d+)(e-?\d+)?\s*$/i.test(text) ? Number(text) : Number.NaN;
  if (!(rate > 0 && rate <= 1)) {
    throw new UsageError(`--sampling-rate must be a number in (0, 1], such as 0.1, got "${text}".`);
  }
  if (rate < minSamplingRate) {
    throw new UsageError(
      `--sampling-rate ${text} is below ${minSamplingRate}: the stake it needs exceeds any token supply (the contract allows 0.001 at least).`,
    );
  }
  return rate;
}

/** Six significant digits everywhere, without a float's noise (0.1, not 0.100000). */
function formatNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

import { BaseError } from '../errors/index.js';

export type InvalidStakingParameterErrorType = InvalidStakingParameterError & {
  name: 'InvalidStakingParameterError';
};

/** A staking-maths input is out of its domain (node counts, sampling rate, price, stake). */
export class InvalidStakingParameterError extends BaseError {
  override name = 'InvalidStakingParameterError' as const;
  readonly parameter: string;
  constructor(parameter: string, value: unknown, reason: string) {
    super(`Invalid ${parameter} ${formatValue(value)}: ${reason}`, { docsPath: 'staking.md' });
    this.parameter = parameter;
  }
}

export type UnpreventableAttackErrorType = UnpreventableAttackError & { name: 'UnpreventableAttackError' };

/**
 * No stake can make the Sybil attack unprofitable: the attacker wins every validation (p = 1, that is the
 * network has fewer than two honest nodes among any three).
 */
export class UnpreventableAttackError extends BaseError {
  override name = 'UnpreventableAttackError' as const;
  constructor(honest: number, dishonest: number) {
    super(
      `No stake deters an attacker holding ${dishonest} of ${honest + dishonest} nodes: every validation group has 2 of his nodes`,
      {
        details: ['The formula needs p < 1; add honest nodes.'],
        docsPath: 'staking.md',
      },
    );
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

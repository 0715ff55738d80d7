import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binomial } from './binomial.js';
import { createPrng } from './createPrng.js';
import { InvalidStakingParameterError, UnpreventableAttackError } from './errors.js';
import { getAttackSuccessProbability } from './getAttackSuccessProbability.js';
import { getExpectedAttackReward } from './getExpectedAttackReward.js';
import { getRequiredStake } from './getRequiredStake.js';
import { ceil, floor, fromDecimal, rational, toNumber } from './rational.js';
import { simulateSybilAttack } from './simulateSybilAttack.js';
import { stakeCalc } from './stakeCalc.js';

const ether = 10n ** 18n;

describe('exact helpers', () => {
  it('binomial coefficients', () => {
    assert.equal(binomial(5, 2), 10n);
    assert.equal(binomial(100, 3), 161700n);
    assert.equal(binomial(2, 3), 0n);
    assert.equal(binomial(0, 0), 1n);
    assert.equal(binomial(1000, 500).toString().length, 300);
    assert.throws(() => binomial(-1, 0), InvalidStakingParameterError);
  });

  it('rationals read decimals exactly and round both ways', () => {
    assert.deepEqual(fromDecimal(0.1), { num: 1n, den: 10n });
    assert.deepEqual(fromDecimal(1e-7), { num: 1n, den: 10000000n });
    assert.deepEqual(fromDecimal('2.50'), { num: 5n, den: 2n });
    assert.deepEqual(fromDecimal(1e21), { num: 10n ** 21n, den: 1n });
    assert.throws(() => fromDecimal(Number.NaN), InvalidStakingParameterError);
    assert.equal(floor(rational(-7n, 2n)), -4n);
    assert.equal(ceil(rational(-7n, 2n)), -3n);
    assert.equal(floor(rational(7n, 2n)), 3n);
    assert.equal(ceil(rational(7n, 2n)), 4n);
    assert.equal(ceil(rational(6n, 2n)), 3n);
    assert.equal(toNumber(rational(1n, 3n)), 1 / 3);
    assert.equal(toNumber(rational(-(10n ** 40n), 7n)), -Number('1.42857142857142857142857e39'));
    assert.equal(toNumber(rational(1n, 10n ** 30n)), 1e-30);
  });

  it('xoshiro128** matches the reference output for state {1, 2, 3, 4}', () => {
    const prng = createPrng([1, 2, 3, 4]);
    assert.deepEqual([prng.nextUint32(), prng.nextUint32(), prng.nextUint32()], [11520, 0, 5927040]);
    const a = createPrng(7);
    const b = createPrng(7);
    for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
    for (let i = 0; i < 1000; i++) {
      const f = a.nextFloat();
      assert.ok(f >= 0 && f < 1);
      const x = a.nextInt(3);
      assert.ok(Number.isInteger(x) && x >= 0 && x < 3);
    }
  });
});

describe('staking maths', () => {
  it('p(h, d) is the exact formula', () => {
    // (C(10,2)·90 + C(10,3)) / C(100,3) = 4170 / 161700
    assert.deepEqual(getAttackSuccessProbability({ honest: 90, dishonest: 10 }), rational(4170n, 161700n));
    assert.deepEqual(getAttackSuccessProbability({ honest: 3, dishonest: 0 }), rational(0n));
    assert.deepEqual(getAttackSuccessProbability({ honest: 1, dishonest: 2 }), rational(1n, 1n));
    assert.deepEqual(getAttackSuccessProbability({ honest: 0, dishonest: 5 }), rational(1n));
    // 2 dishonest of 4: groups with both of them are C(2,2)·C(2,1) = 2 of C(4,3) = 4.
    assert.deepEqual(getAttackSuccessProbability({ honest: 2, dishonest: 2 }), rational(1n, 2n));
  });

  it('validates its inputs with typed errors', () => {
    const bad = [
      { honest: -1, dishonest: 5 },
      { honest: 1.5, dishonest: 5 },
      { honest: 1, dishonest: 1 },
      { honest: Number.NaN, dishonest: 5 },
    ];
    for (const counts of bad)
      assert.throws(() => getAttackSuccessProbability(counts), InvalidStakingParameterError);
    const counts = { honest: 90, dishonest: 10 };
    for (const samplingRate of [0, -0.1, 1.5, { denominator: 0 }, { num: 3n, den: 2n }]) {
      assert.throws(
        () => getRequiredStake({ ...counts, samplingRate, taskPrice: ether }),
        InvalidStakingParameterError,
      );
    }
    assert.throws(
      () => getRequiredStake({ ...counts, samplingRate: 0.1, taskPrice: -1n }),
      InvalidStakingParameterError,
    );
    assert.throws(
      () => getExpectedAttackReward({ p: rational(3n, 2n), samplingRate: 0.1, taskPrice: 1n, stake: 1n }),
      InvalidStakingParameterError,
    );
  });

  it('the required stake is the smallest that makes the expected gain <= 0', () => {
    for (const [honest, dishonest] of [
      [90, 10],
      [9, 1],
      [670, 330],
      [10_000, 100],
      [5, 0],
    ] as const) {
      for (const samplingRate of [0.1, 0.01, 1, { denominator: 20 }]) {
        const taskPrice = 12_345_678_901_234_567n;
        const stake = getRequiredStake({ honest, dishonest, samplingRate, taskPrice });
        const p = getAttackSuccessProbability({ honest, dishonest });
        const at = getExpectedAttackReward({ p, samplingRate, taskPrice, stake });
        assert.ok(at.num <= 0n, `E(s) <= 0 for h=${honest} d=${dishonest}`);
        // A zero stake suffices only when there is nothing to gain (r = 1 and p = 0).
        if (stake === 0n) continue;
        const below = getExpectedAttackReward({ p, samplingRate, taskPrice, stake: stake - 1n });
        assert.ok(below.num > 0n, `E(s - 1 wei) > 0 for h=${honest} d=${dishonest}`);
      }
    }
  });

  it('matches the closed form in floating point', () => {
    const { p, requiredStake, expectedAttackReward } = stakeCalc({
      honest: 90,
      dishonest: 10,
      samplingRate: 0.1,
      taskPrice: ether,
    });
    const r = 0.1;
    const s = (1 - r + r * p) / (r * (1 - p));
    assert.ok(Math.abs(Number(requiredStake) / 1e18 - s) < 1e-12);
    // E at zero stake is (1 - r)k + rpk; each extra wei of stake costs r(1 - p) wei.
    const e0 = Number(expectedAttackReward(0n)) / 1e18;
    assert.ok(Math.abs(e0 - (1 - r + r * p)) < 1e-12);
    assert.equal(expectedAttackReward(requiredStake!) <= 0n, true);
  });

  it('with sampling rate 1 and no attacker the stake is zero; when p = 1 none suffices', () => {
    assert.equal(getRequiredStake({ honest: 10, dishonest: 0, samplingRate: 1, taskPrice: ether }), 0n);
    assert.throws(
      () => getRequiredStake({ honest: 1, dishonest: 9, samplingRate: 0.1, taskPrice: ether }),
      UnpreventableAttackError,
    );
    const calc = stakeCalc({ honest: 1, dishonest: 9, samplingRate: 0.1, taskPrice: ether });
    assert.equal(calc.requiredStake, null);
    assert.equal(calc.p, 1);
    assert.equal(calc.expectedAttackReward(10n ** 30n), ether);
  });

  it('accepts a sampling denominator of 1 (every task validated) and refuses 0 or fractions', () => {
    const counts = { honest: 90, dishonest: 10 };
    const every = stakeCalc({ ...counts, samplingRate: { denominator: 1 }, taskPrice: ether });
    assert.equal(every.samplingRate, 1);
    assert.equal(
      every.requiredStake,
      stakeCalc({ ...counts, samplingRate: 1, taskPrice: ether }).requiredStake,
    );
    assert.equal(
      stakeCalc({ ...counts, samplingRate: { denominator: 1n }, taskPrice: ether }).samplingRate,
      1,
    );
    for (const denominator of [0, 0n, -1, 1.5, Number.NaN, '10', null]) {
      assert.throws(
        () =>
          stakeCalc({ ...counts, samplingRate: { denominator: denominator as number }, taskPrice: ether }),
        /Invalid samplingRate\.denominator/,
        String(denominator),
      );
    }
  });

  it('refuses a negative task price or stake, even when no stake deters the attack', () => {
    for (const counts of [
      { honest: 90, dishonest: 10 },
      { honest: 1, dishonest: 9 },
    ]) {
      assert.throws(
        () => stakeCalc({ ...counts, samplingRate: 0.1, taskPrice: -1n }),
        (error: unknown) => error instanceof InvalidStakingParameterError && error.parameter === 'taskPrice',
      );
      assert.throws(
        () => stakeCalc({ ...counts, samplingRate: 0.1, taskPrice: 1 as unknown as bigint }),
        (error: unknown) => error instanceof InvalidStakingParameterError && error.parameter === 'taskPrice',
      );
    }
    const calc = stakeCalc({ honest: 90, dishonest: 10, samplingRate: 0.1, taskPrice: ether });
    assert.throws(() => calc.expectedAttackReward(-1n), /Invalid stake -1n: must be a bigint >= 0/);
    assert.throws(() => calc.expectedAttackReward(5 as unknown as bigint), InvalidStakingParameterError);
    // A free task has nothing to gain: no stake is needed, and E is 0 at zero stake.
    const free = stakeCalc({ honest: 90, dishonest: 10, samplingRate: 0.1, taskPrice: 0n });
    assert.equal(free.requiredStake, 0n);
    assert.equal(free.expectedAttackReward(0n), 0n);
  });

  it('refuses a probability below 0 or above 1, and accepts both ends', () => {
    for (const p of [
      rational(-1n, 2n),
      rational(-1n, 1000000n),
      rational(3n, 2n),
      rational(1000001n, 1000000n),
    ]) {
      assert.throws(
        () => getExpectedAttackReward({ p, samplingRate: 0.1, taskPrice: 1n, stake: 1n }),
        (error: unknown) => error instanceof InvalidStakingParameterError && error.parameter === 'p',
      );
    }
    assert.deepEqual(
      getExpectedAttackReward({ p: rational(0n), samplingRate: 0.5, taskPrice: 10n, stake: 4n }),
      rational(3n),
    );
    assert.deepEqual(
      getExpectedAttackReward({ p: rational(1n), samplingRate: 0.5, taskPrice: 10n, stake: 4n }),
      rational(10n),
    );
  });

  it('gives typed errors, not TypeErrors, for missing or mistyped parameters', () => {
    const isTyped = (error: unknown) => error instanceof InvalidStakingParameterError;
    assert.throws(() => stakeCalc(undefined as unknown as Parameters<typeof stakeCalc>[0]), isTyped);
    assert.throws(
      () => getAttackSuccessProbability(undefined as unknown as { honest: 1; dishonest: 2 }),
      isTyped,
    );
    assert.throws(() => stakeCalc({ honest: 90, dishonest: 10, taskPrice: ether } as never), isTyped);
    for (const samplingRate of [null, 'x', { num: 1, den: 10 }, { num: 1n }, { num: 1n, den: 0n }]) {
      assert.throws(
        () => stakeCalc({ honest: 90, dishonest: 10, samplingRate: samplingRate as never, taskPrice: ether }),
        isTyped,
        JSON.stringify(samplingRate, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
    }
    for (const p of [0.5, undefined, { num: 1n, den: 2 }, { num: 1n, den: 0n }]) {
      assert.throws(
        () => getExpectedAttackReward({ p: p as never, samplingRate: 0.1, taskPrice: 1n, stake: 1n }),
        isTyped,
      );
    }
    // Each refusal names the parameter and the rule.
    const counts = { honest: 90, dishonest: 10 };
    const messages: [() => unknown, RegExp][] = [
      [
        () => getAttackSuccessProbability({ honest: -1, dishonest: 5 }),
        /Invalid honest -1: must be an integer >= 0/,
      ],
      [
        () => getAttackSuccessProbability({ honest: 1, dishonest: 1 }),
        /Invalid honest \+ dishonest 2: a validation group needs 3 nodes/,
      ],
      [
        () => getAttackSuccessProbability(null as never),
        /Invalid node counts null: expected \{ honest, dishonest \}/,
      ],
      [() => stakeCalc(null as never), /Invalid parameters null: expected/],
      [
        () => stakeCalc({ ...counts, samplingRate: null as never, taskPrice: ether }),
        /Invalid samplingRate null: expected a number/,
      ],
      [
        () => stakeCalc({ ...counts, samplingRate: 1.5, taskPrice: ether }),
        /Invalid samplingRate 1\.5: must satisfy 0 < r <= 1/,
      ],
      [
        () => stakeCalc({ ...counts, samplingRate: { denominator: 0 }, taskPrice: ether }),
        /samplingRate\.denominator 0: must be >= 1/,
      ],
      [
        () => stakeCalc({ ...counts, samplingRate: { denominator: '4' as never }, taskPrice: ether }),
        /samplingRate\.denominator 4: must be an integer/,
      ],
      [
        () => stakeCalc({ ...counts, samplingRate: { num: 1n } as never, taskPrice: ether }),
        /Invalid samplingRate \{"num":"1n"\}: expected a fraction/,
      ],
      [
        () => getExpectedAttackReward({ p: rational(2n), samplingRate: 0.1, taskPrice: 1n, stake: 1n }),
        /Invalid p .*: must be a probability in \[0, 1\]/,
      ],
      [
        () => getExpectedAttackReward({ p: 0.5 as never, samplingRate: 0.1, taskPrice: 1n, stake: 1n }),
        /Invalid p 0\.5: expected a fraction/,
      ],
      [
        () => getExpectedAttackReward({ p: rational(0n), samplingRate: 0.1, taskPrice: -1n, stake: 1n }),
        /Invalid taskPrice -1n/,
      ],
    ];
    for (const [call, message] of messages) assert.throws(call, message);
    // An exact fraction is accepted as the sampling rate.
    assert.equal(
      stakeCalc({ honest: 90, dishonest: 10, samplingRate: rational(1n, 10n), taskPrice: ether })
        .requiredStake,
      stakeCalc({ honest: 90, dishonest: 10, samplingRate: 0.1, taskPrice: ether }).requiredStake,
    );
  });

  it('agrees with the denominator form the contract stores', () => {
    const a = stakeCalc({ honest: 500, dishonest: 50, samplingRate: 0.1, taskPrice: ether });
    const b = stakeCalc({ honest: 500, dishonest: 50, samplingRate: { denominator: 10 }, taskPrice: ether });
    assert.equal(a.requiredStake, b.requiredStake);
  });
});

describe('Monte-Carlo simulation', () => {
  it('estimates p within 4.5 standard errors of the formula', () => {
    for (const [honest, dishonest] of [
      [90, 10],
      [2, 2],
      [67, 33],
      [1000, 200],
      [3, 0],
    ] as const) {
      const p = toNumber(getAttackSuccessProbability({ honest, dishonest }));
      const sim = simulateSybilAttack({ honest, dishonest, trials: 40_000, seed: honest * 31 + dishonest });
      const sigma = Math.sqrt((p * (1 - p)) / sim.groups);
      assert.ok(
        Math.abs(sim.pEstimate - p) <= 4.5 * sigma + 1e-12,
        `h=${honest} d=${dishonest}: ${sim.pEstimate} vs ${p}`,
      );
    }
  });

  it('is reproducible from its seed, and a different seed differs', () => {
    const a = simulateSybilAttack({ honest: 50, dishonest: 20, trials: 5000, seed: 3 });
    const b = simulateSybilAttack({ honest: 50, dishonest: 20, trials: 5000, seed: 3 });
    const c = simulateSybilAttack({ honest: 50, dishonest: 20, trials: 5000, seed: 4 });
    assert.deepEqual(a, b);
    assert.notEqual(a.successes, c.successes);
  });

  it('the simulated mean gain matches E, and is about 0 at the required stake', () => {
    const counts = { honest: 67, dishonest: 33 };
    const samplingRate = 0.1;
    const p = getAttackSuccessProbability(counts);
    const pn = toNumber(p);
    for (const stake of [2, 50]) {
      const expected = toNumber(
        getExpectedAttackReward({ p, samplingRate, taskPrice: 1n, stake: BigInt(stake) }),
      );
      const sim = simulateSybilAttack({
        ...counts,
        trials: 60_000,
        seed: stake,
        economics: { samplingRate, taskPrice: 1, stake },
      });
      // Variance of one task's gain: mixture of k (unvalidated or won) and −s (lost).
      const lose = samplingRate * (1 - pn);
      const sd = (1 + stake) * Math.sqrt(lose * (1 - lose));
      assert.ok(Math.abs(sim.meanReward! - expected) <= (4.5 * sd) / Math.sqrt(sim.trials), `stake ${stake}`);
    }
  });

  it('refuses bad parameters', () => {
    assert.throws(
      () => simulateSybilAttack({ honest: 1, dishonest: 1, trials: 10, seed: 1 }),
      InvalidStakingParameterError,
    );
    assert.throws(
      () => simulateSybilAttack({ honest: 5, dishonest: 1, trials: 0, seed: 1 }),
      InvalidStakingParameterError,
    );
  });
});

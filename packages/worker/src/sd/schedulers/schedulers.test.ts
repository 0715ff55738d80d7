import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseSchedulerSettings,
  createScheduler,
  getAlphasCumprod,
  getBetas,
  getKarrasSigmas,
  getSpacedTimesteps,
  type ModelSchedulerConfig,
  parseSchedulerConfig,
  parseSchedulerConfigText,
  portableExp,
  resolveSchedulerSettings,
  roundHalfEven,
  sigmaToTimestep,
} from './index.js';

// Expected values come from an independent float64 numpy transcription of the formulas in the diffusers
// scheduler docs and the papers (kept out of the repo); sample x, noise prediction e and fresh noise z below.
const x = Float32Array.from([1, -0.5]);
const e = Float32Array.from([0.2, 0.3]);
const z = Float32Array.from([0.1, -0.2]);
const noise = (length: number) => {
  assert.equal(length, 2);
  return z;
};
const noNoise = () => assert.fail('this step must not draw noise');
// Stable Diffusion 1.x scheduler_config.json (PNDM class).
const sd15: ModelSchedulerConfig = parseSchedulerConfig({
  _class_name: 'PNDMScheduler',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  clip_sample: false,
});

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 2e-6) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= tolerance * scale,
      `[${i}] ${actual[i]} vs ${expected[i]}`,
    );
  }
}

describe('noise schedule', () => {
  it('builds scaled_linear alphas_cumprod', () => {
    const alphas = getAlphasCumprod(baseSchedulerSettings);
    assertClose(
      [alphas[0]!, alphas[500]!, alphas[999]!],
      [0.99915, 0.2763326838229746, 0.004660098513077238],
      1e-12,
    );
  });

  it('rounds half to even like numpy', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 499.5, 249.75, -0.5].map(roundHalfEven), [0, 2, 2, 500, 250, 0]);
  });

  it('spaces timesteps as diffusers does', () => {
    const base = { trainTimesteps: 1000, stepsOffset: 0 };
    assert.deepEqual(getSpacedTimesteps({ ...base, spacing: 'trailing', steps: 3 }), [999, 666, 332]);
    assert.deepEqual(
      getSpacedTimesteps({ ...base, spacing: 'linspace', steps: 4, extra: 1 }),
      [999, 749, 500, 250],
    );
    assert.deepEqual(
      getSpacedTimesteps({ ...base, stepsOffset: 1, spacing: 'leading', steps: 4, extra: 1 }),
      [801, 601, 401, 201],
    );
    assert.deepEqual(
      getSpacedTimesteps({ ...base, spacing: 'linspace', steps: 4, fractional: true }),
      [999, 666, 333, 0],
    );
  });

  it('reads wrong types as format errors and keeps keys no sampler takes aside', () => {
    assert.throws(() => parseSchedulerConfig({ use_karras_sigmas: 'yes' }), {
      name: 'SdModelFormatError',
      message: /use_karras_sigmas must be a boolean/,
    });
    assert.throws(() => parseSchedulerConfig([]), { name: 'SdModelFormatError' });
    const parsed = parseSchedulerConfig(
      parseSchedulerConfigText(
        '{"_class_name": "UniPCMultistepScheduler", "lambda_min_clipped": -Infinity, "predict_x0": true, "trained_betas": null}',
      ),
    );
    assert.equal(parsed.className, 'UniPCMultistepScheduler');
    assert.equal(parsed.lambda_min_clipped, Number.NEGATIVE_INFINITY);
    assert.deepEqual(parsed.ignoredKeys, ['predict_x0']);
  });

  it('builds the cosine (squaredcos_cap_v2) schedule and rescales to zero terminal SNR', () => {
    const cosine = getBetas({ ...baseSchedulerSettings, beta_schedule: 'squaredcos_cap_v2' });
    // ᾱ(t) = cos²((t + 0.008)/1.008 · π/2): β₀ = 1 − ᾱ(1/1000)/ᾱ(0), last β capped at 0.999.
    const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    assertClose(
      [cosine[0]!, cosine[500]!],
      [1 - alphaBar(0.001) / alphaBar(0), 1 - alphaBar(0.501) / alphaBar(0.5)],
      1e-12,
    );
    assert.equal(cosine[999], 0.999);
    const rescaled = getAlphasCumprod({ ...baseSchedulerSettings, rescale_betas_zero_snr: true });
    assert.equal(rescaled[999], 0);
    assertClose([rescaled[0]!], [0.99915], 1e-12);
    assert.equal(
      getAlphasCumprod(
        { ...baseSchedulerSettings, rescale_betas_zero_snr: true },
        { zeroSnrFloor: true },
      )[999],
      2 ** -24,
    );
  });

  it('spaces Karras sigmas and maps sigmas back to fractional timesteps', () => {
    const karras = getKarrasSigmas(0.1, 10, 3);
    assertClose(karras, [10, ((10 ** (1 / 7) + 0.1 ** (1 / 7)) / 2) ** 7, 0.1], 1e-12);
    const logSigmas = Float64Array.from([0, 1, 2, 3], (v) => v);
    assertClose([sigmaToTimestep(portableExp(1.5), logSigmas)], [1.5], 1e-12);
    assert.equal(sigmaToTimestep(portableExp(9), logSigmas), 3);
    assert.equal(sigmaToTimestep(portableExp(-9), logSigmas), 0);
  });

  it('refuses, by name, every config value it does not implement', () => {
    const cases: [Parameters<typeof resolveSchedulerSettings>[0], RegExp][] = [
      [
        { method: 'EulerDiscrete', config: { use_beta_sigmas: true } },
        /scheduler_config\.json use_beta_sigmas/,
      ],
      [{ method: 'EulerDiscrete', config: { interpolation_type: 'log_linear' } }, /interpolation_type/],
      [
        { method: 'DPMSolverMultistep', config: {}, args: { algorithm_type: 'sde-dpmsolver++' } },
        /scheduler\.args\.algorithm_type/,
      ],
      [{ method: 'DPMSolverMultistep', config: { solver_order: 3 } }, /solver_order/],
      [{ method: 'DPMSolverMultistep', config: { variance_type: 'learned_range' } }, /variance_type/],
      [{ method: 'DPMSolverMultistep', config: { use_exponential_sigmas: true } }, /use_exponential_sigmas/],
      [
        { method: 'DPMSolverMultistep', config: { use_karras_sigmas: true, use_lu_lambdas: true } },
        /use_lu_lambdas/,
      ],
      [{ method: 'DDIM', config: { beta_schedule: 'exp' } }, /beta_schedule/],
      [{ method: 'EulerDiscrete', config: { prediction_type: 'sample' } }, /prediction_type/],
      [{ method: 'DDIM', config: { trained_betas: [0.1, 0.2] } }, /trained_betas/],
      [
        { method: 'EulerAncestralDiscrete', config: {}, args: { use_karras_sigmas: true } },
        /EulerAncestralDiscrete has no config key "use_karras_sigmas"/,
      ],
      [{ method: 'LCM', config: {}, args: { clip_sample: 'yes' } }, /scheduler\.args\.clip_sample/],
    ];
    for (const [parameters, message] of cases)
      assert.throws(() => resolveSchedulerSettings(parameters), {
        name: 'SdUnsupportedArgumentError',
        message,
      });
  });

  it('merges class defaults, the model config (keys the class takes) and the task args, as from_config', () => {
    const sd15Euler = resolveSchedulerSettings({ method: 'EulerDiscrete', config: sd15 });
    // skip_prk_steps and set_alpha_to_one are PNDM keys: EulerDiscrete ignores them, as diffusers does.
    assert.equal(sd15Euler.steps_offset, 1);
    assert.equal(sd15Euler.timestep_spacing, 'linspace');
    assert.equal(resolveSchedulerSettings({ method: 'DDIM', config: {} }).clip_sample, true);
    assert.equal(resolveSchedulerSettings({ method: 'DDIM', config: sd15 }).clip_sample, false);
    assert.equal(
      resolveSchedulerSettings({ method: 'DDIM', config: sd15, args: { clip_sample: true } }).clip_sample,
      true,
    );
    const deis = resolveSchedulerSettings({
      method: 'DPMSolverMultistep',
      config: { algorithm_type: 'deis', solver_type: 'logrho' },
    });
    assert.deepEqual([deis.algorithm_type, deis.solver_type], ['dpmsolver++', 'midpoint']);
  });
});

describe('DDIM', () => {
  it('uses leading spacing with steps_offset and steps to the previous timestep', () => {
    const ddim = createScheduler({ method: 'DDIM', config: sd15, steps: 4 });
    assert.deepEqual(ddim.timesteps, [751, 501, 251, 1]);
    assert.equal(ddim.initNoiseSigma, 1);
    assert.equal(ddim.stochastic, false);
    assert.equal(ddim.scaleModelInput(x, 0), x);
    assertClose(ddim.step(e, 0, x, noNoise), [1.96012156, -1.50299691]);
    // Past the end the model's set_alpha_to_one = false means ᾱ₀.
    assertClose(ddim.step(e, 3, x, noNoise), [0.99799921, -0.50385644]);
  });

  it('adds eta-weighted noise', () => {
    const ddim = createScheduler({ method: 'DDIM', args: { eta: 1 }, config: sd15, steps: 4 });
    assert.equal(ddim.stochastic, true);
    assertClose(ddim.step(e, 1, x, noise), [1.39810348, -1.2105468]);
  });
});

describe('Euler', () => {
  it('interpolates sigmas at linspace timesteps and scales the model input', () => {
    const euler = createScheduler({ method: 'EulerDiscrete', config: sd15, steps: 4 });
    assert.deepEqual(euler.timesteps, [999, 666, 333, 0]);
    assertClose([euler.initNoiseSigma], [14.614641229333639], 1e-12);
    assertClose(euler.scaleModelInput(x, 1), [0.32416118, -0.16208059]);
    assertClose(euler.step(e, 1, x, noNoise), [0.60281017, -1.09578474]);
  });

  it('uses sqrt(sigma_max^2 + 1) as initial sigma for leading spacing', () => {
    const euler = createScheduler({
      method: 'EulerDiscrete',
      args: { timestep_spacing: 'leading' },
      config: sd15,
      steps: 4,
    });
    assert.deepEqual(euler.timesteps, [751, 501, 251, 1]);
    assertClose([euler.initNoiseSigma], [4.236412385791066], 1e-12);
  });

  it('ancestral: steps to sigma_down and adds sigma_up noise', () => {
    const ancestral = createScheduler({ method: 'EulerAncestralDiscrete', config: sd15, steps: 4 });
    assert.equal(ancestral.stochastic, true);
    assertClose(ancestral.step(e, 1, x, noise), [0.56426303, -1.46282838]);
  });
});

describe('DPM-Solver++ (2M)', () => {
  it('runs first order, then second order, then a first-order final step to sigma 0', () => {
    const dpm = createScheduler({ method: 'DPMSolverMultistep', config: sd15, steps: 4 });
    assert.deepEqual(dpm.timesteps, [999, 749, 500, 250]);
    const expected = [
      [2.98451059, -2.49480696],
      [6.33412506, -5.89980013],
      [9.7394071, -9.43980912],
      [11.7258853, -11.70879914],
    ];
    let sample: Float32Array = x;
    for (let i = 0; i < 4; i++) {
      sample = dpm.step(e, i, sample, noNoise);
      assertClose(sample, expected[i]!, 5e-6);
    }
  });

  it('refuses other solver orders', () => {
    assert.throws(
      () =>
        createScheduler({ method: 'DPMSolverMultistep', args: { solver_order: 3 }, config: sd15, steps: 4 }),
      { name: 'SdUnsupportedArgumentError' },
    );
  });
});

describe('PNDM (PLMS, as SD 1.5 ships it with skip_prk_steps)', () => {
  it('repeats the second timestep and redoes the first step with the averaged noise prediction', () => {
    const pndm = createScheduler({ method: 'PNDM', config: sd15, steps: 4 });
    assert.deepEqual(pndm.timesteps, [751, 501, 501, 251, 1]);
    const first = pndm.step(e, 0, x, noNoise);
    // Same ε again: the average is ε, taken from the same start sample, so the result repeats.
    assert.deepEqual(pndm.step(e, 1, first, noNoise), first);
    // ᾱ(751) → ᾱ(501) transfer with ε: sqrt(ᾱp/ᾱ) x − (ᾱp − ᾱ) ε / (ᾱ sqrt(1 − ᾱp) + sqrt(ᾱ (1 − ᾱ) ᾱp)).
    const alphas = getAlphasCumprod(resolveSchedulerSettings({ method: 'PNDM', config: sd15 }));
    const [a, p] = [alphas[751]!, alphas[501]!];
    const expected = [0, 1].map(
      (i) =>
        Math.sqrt(p / a) * x[i]! - ((p - a) * e[i]!) / (a * Math.sqrt(1 - p) + Math.sqrt(a * (1 - a) * p)),
    );
    assertClose(first, expected);
    assert.throws(
      () => createScheduler({ method: 'PNDM', config: { ...sd15, skip_prk_steps: false }, steps: 3 }),
      { name: 'SdUnsupportedArgumentError' },
    );
  });
});

describe('LCM', () => {
  it('takes timesteps from the 50-step distillation schedule', () => {
    assert.deepEqual(
      createScheduler({ method: 'LCM', config: sd15, steps: 4 }).timesteps,
      [999, 759, 499, 259],
    );
    assert.deepEqual(
      createScheduler({ method: 'LCM', config: sd15, steps: 6 }).timesteps,
      [999, 839, 679, 499, 339, 179],
    );
    assert.throws(() => createScheduler({ method: 'LCM', config: sd15, steps: 60 }), {
      name: 'SdUnsupportedArgumentError',
    });
  });

  it('applies the consistency boundary condition and re-noises except on the last step', () => {
    const lcm = createScheduler({ method: 'LCM', config: sd15, steps: 4 });
    assertClose(lcm.step(e, 0, x, noise), [2.77673655, -2.87018669]);
    assertClose(lcm.step(e, 3, x, noNoise), [1.08799545, -0.83174957]);
  });
});

describe('createScheduler', () => {
  it('refuses unknown methods and non-positive steps', () => {
    // biome-ignore lint/suspicious/noExplicitAny: an invalid method on purpose
    assert.throws(() => createScheduler({ method: 'Heun' as any, config: sd15, steps: 4 }), {
      name: 'SdUnsupportedArgumentError',
    });
    assert.throws(() => createScheduler({ method: 'DDIM', config: sd15, steps: 0 }), {
      name: 'SdUnsupportedArgumentError',
    });
  });
});

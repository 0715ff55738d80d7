import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createScheduler,
  defaultNoiseScheduleConfig,
  getAlphasCumprod,
  getSpacedTimesteps,
  type NoiseScheduleConfig,
  parseSchedulerConfig,
  roundHalfEven,
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
// Stable Diffusion 1.x scheduler_config.json (PNDM class; only the noise schedule is read).
const sd15: NoiseScheduleConfig = parseSchedulerConfig({
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
    const alphas = getAlphasCumprod(defaultNoiseScheduleConfig);
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

  it('rejects v-prediction models and bad configs', () => {
    assert.throws(() => parseSchedulerConfig({ prediction_type: 'v_prediction' }), {
      name: 'SdUnsupportedArgumentError',
    });
    assert.throws(() => parseSchedulerConfig({ beta_schedule: 'squaredcos_cap_v2' }), {
      name: 'SdModelFormatError',
    });
    assert.throws(() => parseSchedulerConfig([]), { name: 'SdModelFormatError' });
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
    assert.throws(() => createScheduler({ method: 'PNDM' as any, config: sd15, steps: 4 }), {
      name: 'SdUnsupportedArgumentError',
    });
    assert.throws(() => createScheduler({ method: 'DDIM', config: sd15, steps: 0 }), {
      name: 'SdUnsupportedArgumentError',
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSchedulerFromSettings,
  type ModelSchedulerConfig,
  resolveSchedulerSettings,
  type Scheduler,
  type SchedulerMethod,
} from './index.js';

// The full-loop cases of diffusers' scheduler tests (tests/schedulers/test_scheduler_*.py), replayed: their
// deterministic dummy sample (arange(768) / 768 laid out as [4, 3, 8, 8]), their deterministic noise (the same
// values reversed), their dummy model (sample · t / (t + 1)), their configs and loops, and their published
// sum and mean of |sample| with their tolerances (1e-2 on the sum, 1e-3 on the mean). Every operation of the
// loops is elementwise except dynamic thresholding, which diffusers takes per batch item: those cases run
// the loop once per item. Cases that draw torch.randn noise (Euler ancestral, LCM multistep) cannot be
// replayed without torch's generator and are not here.

const elements = 4 * 3 * 8 * 8;
/** dummy_sample_deter flattened in memory order; element k sits in batch item k mod 4. */
const dummySample = Float32Array.from({ length: elements }, (_, k) => k / elements);
/** dummy_noise_deter: at the position of sample value k/768 it holds (767 − k)/768. */
const dummyNoise = Float32Array.from({ length: elements }, (_, k) => (elements - 1 - k) / elements);
const dummyModel = (sample: Float32Array, t: number) => sample.map((x) => (x * t) / (t + 1));
const noNoise = () => assert.fail('this loop must not draw noise');

function create(method: SchedulerMethod, config: ModelSchedulerConfig, steps = 10): Scheduler {
  return createSchedulerFromSettings(method, resolveSchedulerSettings({ method, config }), steps);
}

/** The loop of DDIM/PNDM/DPM/LCM tests: model on the sample at t, then step, from `start` on. */
function plainLoop(scheduler: Scheduler, sample: Float32Array, start = 0): Float32Array {
  let x: Float32Array = sample;
  for (let i = start; i < scheduler.timesteps.length; i++)
    x = scheduler.step(dummyModel(x, scheduler.timesteps[i]!), i, x, noNoise);
  return x;
}

/** The Euler tests' loop: the sample is replaced by its scaled model input before the step. */
function eulerLoop(scheduler: Scheduler): Float32Array {
  let x: Float32Array = dummySample.map((v) => v * scheduler.initNoiseSigma);
  for (let i = 0; i < scheduler.timesteps.length; i++) {
    x = scheduler.scaleModelInput(x, i);
    x = scheduler.step(dummyModel(x, scheduler.timesteps[i]!), i, x, noNoise);
  }
  return x;
}

function sumAbs(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += Math.abs(v);
  return sum;
}

function assertPublished(x: Float32Array, expected: { sum?: number; mean: number }) {
  const sum = sumAbs(x);
  const mean = sum / x.length;
  if (expected.sum !== undefined)
    assert.ok(Math.abs(sum - expected.sum) < 1e-2, `sum ${sum}, published ${expected.sum}`);
  assert.ok(Math.abs(mean - expected.mean) < 1e-3, `mean ${mean}, published ${expected.mean}`);
}

describe('diffusers DDIMScheduler tests (full loop, 10 steps)', () => {
  const config = {
    num_train_timesteps: 1000,
    beta_start: 0.0001,
    beta_end: 0.02,
    beta_schedule: 'linear',
    clip_sample: true,
  };
  it('test_steps_offset: leading spacing plus steps_offset', () => {
    assert.deepEqual(create('DDIM', { ...config, steps_offset: 1 }, 5).timesteps, [801, 601, 401, 201, 1]);
  });
  it('test_full_loop_no_noise: 172.0067 / 0.223967', () => {
    assertPublished(plainLoop(create('DDIM', config), dummySample), { sum: 172.0067, mean: 0.223967 });
  });
  it('test_full_loop_with_v_prediction: 52.5302 / 0.0684', () => {
    const scheduler = create('DDIM', { ...config, prediction_type: 'v_prediction' });
    assertPublished(plainLoop(scheduler, dummySample), { sum: 52.5302, mean: 0.0684 });
  });
  it('test_full_loop_with_set_alpha_to_one: 149.8295 / 0.1951', () => {
    const scheduler = create('DDIM', { ...config, set_alpha_to_one: true, beta_start: 0.01 });
    assertPublished(plainLoop(scheduler, dummySample), { sum: 149.8295, mean: 0.1951 });
  });
  it('test_full_loop_with_no_set_alpha_to_one: 149.0784 / 0.1941', () => {
    const scheduler = create('DDIM', { ...config, set_alpha_to_one: false, beta_start: 0.01 });
    assertPublished(plainLoop(scheduler, dummySample), { sum: 149.0784, mean: 0.1941 });
  });
  it('test_full_loop_with_noise (add_noise at step 8, as image-to-image starts): 354.5418 / 0.4616', () => {
    const scheduler = create('DDIM', config);
    const noised = scheduler.addNoise(dummySample, dummyNoise, 8);
    assertPublished(plainLoop(scheduler, noised, 8), { sum: 354.5418, mean: 0.4616 });
  });
});

describe('diffusers PNDMScheduler tests (Runge–Kutta warm-up, then PLMS, 10 steps)', () => {
  const config = { num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' };
  it('test_steps_offset: the PRK and PLMS timesteps', () => {
    assert.deepEqual(
      create('PNDM', { ...config, steps_offset: 1 }).timesteps,
      [901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1],
    );
  });
  it('test_full_loop_no_noise: 198.1318 / 0.2580', () => {
    assertPublished(plainLoop(create('PNDM', config), dummySample), { sum: 198.1318, mean: 0.258 });
  });
  it('test_full_loop_with_v_prediction: 67.3986 / 0.0878', () => {
    const scheduler = create('PNDM', { ...config, prediction_type: 'v_prediction' });
    assertPublished(plainLoop(scheduler, dummySample), { sum: 67.3986, mean: 0.0878 });
  });
  it('test_full_loop_with_set_alpha_to_one: 230.0399 / 0.2995', () => {
    const scheduler = create('PNDM', { ...config, set_alpha_to_one: true, beta_start: 0.01 });
    assertPublished(plainLoop(scheduler, dummySample), { sum: 230.0399, mean: 0.2995 });
  });
  it('test_full_loop_with_no_set_alpha_to_one: 186.9482 / 0.2434', () => {
    const scheduler = create('PNDM', { ...config, set_alpha_to_one: false, beta_start: 0.01 });
    assertPublished(plainLoop(scheduler, dummySample), { sum: 186.9482, mean: 0.2434 });
  });
});

describe('diffusers EulerDiscreteScheduler tests (1100 training steps, 10 steps)', () => {
  const config = { num_train_timesteps: 1100, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' };
  it('test_full_loop_no_noise: 10.0807 / 0.0131', () => {
    assertPublished(eulerLoop(create('EulerDiscrete', config)), { sum: 10.0807, mean: 0.0131 });
  });
  it('test_full_loop_with_v_prediction: 0.0002 / 2.2676e-06', () => {
    const scheduler = create('EulerDiscrete', { ...config, prediction_type: 'v_prediction' });
    assertPublished(eulerLoop(scheduler), { sum: 0.0002, mean: 2.2676e-6 });
  });
  it('test_full_loop_device_karras_sigmas: 124.52299499511719 / 0.16213932633399963', () => {
    const scheduler = create('EulerDiscrete', { ...config, use_karras_sigmas: true });
    assertPublished(eulerLoop(scheduler), { sum: 124.52299499511719, mean: 0.16213932633399963 });
  });
});

describe('diffusers DPMSolverMultistepScheduler tests (10 steps, final σ = σ_min)', () => {
  const config = {
    num_train_timesteps: 1000,
    beta_start: 0.0001,
    beta_end: 0.02,
    beta_schedule: 'linear',
    solver_order: 2,
    prediction_type: 'epsilon',
    thresholding: false,
    sample_max_value: 1,
    algorithm_type: 'dpmsolver++',
    solver_type: 'midpoint',
    lower_order_final: false,
    euler_at_final: false,
    lambda_min_clipped: Number.NEGATIVE_INFINITY,
    variance_type: null,
    final_sigmas_type: 'sigma_min',
  } as unknown as ModelSchedulerConfig;
  it('test_full_loop_no_noise: mean 0.3301', () => {
    assertPublished(plainLoop(create('DPMSolverMultistep', config), dummySample), { mean: 0.3301 });
  });
  it('test_full_loop_with_noise (add_noise at step 5): 318.4111 / 0.4146', () => {
    const scheduler = create('DPMSolverMultistep', config);
    const noised = scheduler.addNoise(dummySample, dummyNoise, 5);
    assertPublished(plainLoop(scheduler, noised, 5), { sum: 318.4111, mean: 0.4146 });
  });
  it('test_full_loop_no_noise_thres (dynamic thresholding per batch item): mean 1.1364', () => {
    const thresholded = {
      ...config,
      thresholding: true,
      dynamic_thresholding_ratio: 0.87,
      sample_max_value: 0.5,
    };
    const result = new Float32Array(elements);
    for (let item = 0; item < 4; item++) {
      const indices = Array.from({ length: elements / 4 }, (_, j) => j * 4 + item);
      const out = plainLoop(
        create('DPMSolverMultistep', thresholded),
        Float32Array.from(indices, (k) => dummySample[k]!),
      );
      indices.forEach((k, j) => {
        result[k] = out[j]!;
      });
    }
    assertPublished(result, { mean: 1.1364 });
  });
  it('test_full_loop_with_v_prediction: mean 0.2251', () => {
    const scheduler = create('DPMSolverMultistep', { ...config, prediction_type: 'v_prediction' });
    assertPublished(plainLoop(scheduler, dummySample), { mean: 0.2251 });
  });
  it('test_full_loop_with_karras_and_v_prediction: mean 0.2096', () => {
    const scheduler = create('DPMSolverMultistep', {
      ...config,
      prediction_type: 'v_prediction',
      use_karras_sigmas: true,
    });
    assertPublished(plainLoop(scheduler, dummySample), { mean: 0.2096 });
  });
  it('test_full_loop_with_lu_and_v_prediction: mean 0.1554', () => {
    const scheduler = create('DPMSolverMultistep', {
      ...config,
      prediction_type: 'v_prediction',
      use_lu_lambdas: true,
    });
    assertPublished(plainLoop(scheduler, dummySample), { mean: 0.1554 });
  });
});

describe('diffusers LCMScheduler tests', () => {
  const config = {
    num_train_timesteps: 1000,
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    prediction_type: 'epsilon',
  };
  it('test_full_loop_onestep: 18.7097 / 0.0244', () => {
    assertPublished(plainLoop(create('LCM', config, 1), dummySample), { sum: 18.7097, mean: 0.0244 });
  });
});

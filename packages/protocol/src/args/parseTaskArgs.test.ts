import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BaseError } from '../errors/index.js';
import { InvalidTaskArgsError } from './errors.js';
import { parseTaskArgs } from './parseTaskArgs.js';
import { getSdSchedulerMethod } from './sd.js';

const sdMinimal = { base_model: 'runwayml/stable-diffusion-v1-5', prompt: 'a cat' };
const llmMinimal = { model: 'Qwen/Qwen2.5-0.5B-Instruct', messages: [{ role: 'user', content: 'hi' }] };
const ftMinimal = {
  model: { name: 'runwayml/stable-diffusion-v1-5' },
  dataset: { name: 'lambdalabs/naruto-blip-captions' },
  validation: { prompt: 'a ninja' },
};

/** Runs parseTaskArgs expecting an InvalidTaskArgsError and returns it. */
function refuse(taskType: 'sd' | 'llm' | 'sd_ft', input: unknown): InvalidTaskArgsError {
  try {
    parseTaskArgs(taskType, input);
  } catch (error) {
    assert.ok(error instanceof InvalidTaskArgsError, `expected InvalidTaskArgsError, got ${error}`);
    assert.ok(error instanceof BaseError);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}

describe('parseTaskArgs sd', () => {
  it('applies the documented defaults', () => {
    const args = parseTaskArgs('sd', sdMinimal);
    assert.deepEqual(args, {
      version: '1.0.0',
      base_model: { name: 'runwayml/stable-diffusion-v1-5', variant: null },
      prompt: 'a cat',
      negative_prompt: '',
      dtype: 'auto',
      task_config: {
        image_width: 512,
        image_height: 512,
        steps: 25,
        seed: 0,
        num_images: 1,
        safety_checker: false,
        cfg: 7,
      },
      scheduler: { method: 'DDIM', args: { eta: 0 } },
    });
  });

  it('normalizes base_model given as { name, variant }', () => {
    const args = parseTaskArgs('sd', { ...sdMinimal, base_model: { name: 'org/m', variant: null } });
    assert.deepEqual(args.base_model, { name: 'org/m', variant: null });
    assert.deepEqual(
      parseTaskArgs('sd', { ...sdMinimal, base_model: { name: 'org/m' } }).base_model,
      args.base_model,
    );
  });

  it('refuses what worker 1.x cannot run as unsupported: variants, half precision, the safety checker', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ base_model: { name: 'org/m', variant: 'fp16' } }, 'base_model.variant'],
      [{ dtype: 'float16' }, 'dtype'],
      [{ dtype: 'bfloat16' }, 'dtype'],
      [{ task_config: { safety_checker: true } }, 'task_config.safety_checker'],
    ];
    for (const [patch, field] of cases) {
      const error = refuse('sd', { ...sdMinimal, ...patch });
      assert.deepEqual([error.field, error.kind], [field, 'unsupported']);
    }
    parseTaskArgs('sd', { ...sdMinimal, dtype: 'float32', task_config: { safety_checker: false } });
  });

  it('keeps LCM steps within its distillation schedule', () => {
    const lcm = { method: 'LCM', args: { original_inference_steps: 8 } };
    parseTaskArgs('sd', { ...sdMinimal, scheduler: lcm, task_config: { steps: 8 } });
    const error = refuse('sd', { ...sdMinimal, scheduler: lcm, task_config: { steps: 9 } });
    assert.deepEqual([error.field, error.kind], ['task_config.steps', 'invalid']);
  });

  it('fills per-method scheduler defaults', () => {
    assert.deepEqual(parseTaskArgs('sd', { ...sdMinimal, scheduler: { method: 'LCM' } }).scheduler, {
      method: 'LCM',
      args: { original_inference_steps: 50 },
    });
    assert.deepEqual(
      parseTaskArgs('sd', {
        ...sdMinimal,
        scheduler: { method: 'EulerAncestralDiscrete', args: { timestep_spacing: 'trailing' } },
      }).scheduler,
      { method: 'EulerAncestralDiscrete', args: { timestep_spacing: 'trailing' } },
    );
    assert.deepEqual(
      parseTaskArgs('sd', { ...sdMinimal, scheduler: { method: 'DPMSolverMultistep' } }).scheduler,
      {
        method: 'DPMSolverMultistep',
        args: { algorithm_type: 'dpmsolver++', solver_order: 2 },
      },
    );
  });

  it('takes the diffusers config keys of each scheduler class from task version 1.1.0 on', () => {
    const v11 = { ...sdMinimal, version: '1.1.0' };
    const karras = {
      method: 'DPMSolverMultistep',
      args: { use_karras_sigmas: true, final_sigmas_type: 'sigma_min' },
    };
    assert.deepEqual(parseTaskArgs('sd', { ...v11, scheduler: karras }).scheduler, {
      method: 'DPMSolverMultistep',
      args: {
        algorithm_type: 'dpmsolver++',
        solver_order: 2,
        use_karras_sigmas: true,
        final_sigmas_type: 'sigma_min',
      },
    });
    // At 1.0.0 a new key is refused as unsupported (a 1.0 worker refuses it as an unknown field).
    const old = refuse('sd', { ...sdMinimal, scheduler: karras });
    assert.deepEqual([old.field, old.kind], ['scheduler.args.use_karras_sigmas', 'unsupported']);
    assert.match(old.reason, /1\.1\.0/);
    assert.equal(refuse('sd', { ...sdMinimal, scheduler: { method: 'PNDM' } }).field, 'scheduler.method');
    parseTaskArgs('sd', { ...v11, scheduler: { method: 'PNDM', args: { skip_prk_steps: true } } });
    parseTaskArgs('sd', {
      ...v11,
      scheduler: {
        method: 'DDIM',
        args: { clip_sample: true, clip_sample_range: 1.5, prediction_type: 'v_prediction' },
      },
    });
    parseTaskArgs('sd', {
      ...v11,
      scheduler: {
        method: 'EulerDiscrete',
        args: { beta_schedule: 'squaredcos_cap_v2', rescale_betas_zero_snr: true },
      },
    });
    // A key of another class is an unknown field for this one.
    assert.equal(
      refuse('sd', {
        ...v11,
        scheduler: { method: 'EulerAncestralDiscrete', args: { use_karras_sigmas: true } },
      }).field,
      'scheduler.args.use_karras_sigmas',
    );
  });

  it('refuses, by name, the scheduler values no worker implements', () => {
    const v11 = { ...sdMinimal, version: '1.1.0' };
    const cases: [Record<string, unknown>, string][] = [
      [
        { method: 'DPMSolverMultistep', args: { algorithm_type: 'sde-dpmsolver++' } },
        'scheduler.args.algorithm_type',
      ],
      [{ method: 'DPMSolverMultistep', args: { solver_order: 3 } }, 'scheduler.args.solver_order'],
      [
        { method: 'DPMSolverMultistep', args: { variance_type: 'learned_range' } },
        'scheduler.args.variance_type',
      ],
      [
        { method: 'DPMSolverMultistep', args: { use_exponential_sigmas: true } },
        'scheduler.args.use_exponential_sigmas',
      ],
      [{ method: 'EulerDiscrete', args: { use_beta_sigmas: true } }, 'scheduler.args.use_beta_sigmas'],
      [
        { method: 'EulerDiscrete', args: { use_karras_sigmas: true, use_exponential_sigmas: true } },
        'scheduler.args.use_exponential_sigmas',
      ],
      [
        { method: 'EulerDiscrete', args: { interpolation_type: 'log_linear' } },
        'scheduler.args.interpolation_type',
      ],
      [
        { method: 'EulerAncestralDiscrete', args: { prediction_type: 'sample' } },
        'scheduler.args.prediction_type',
      ],
      [{ method: 'LCMScheduler', args: { clip_samples: 1 } }, 'scheduler.args.clip_samples'],
    ];
    for (const [scheduler, field] of cases) {
      const error = refuse('sd', { ...v11, scheduler });
      assert.deepEqual([error.field, error.kind], [field, 'unsupported'], JSON.stringify(scheduler));
    }
    parseTaskArgs('sd', {
      ...v11,
      scheduler: { method: 'EulerDiscrete', args: { use_exponential_sigmas: true } },
    });
    parseTaskArgs('sd', {
      ...v11,
      scheduler: { method: 'DPMSolverMultistep', args: { algorithm_type: 'deis', solver_order: 1 } },
    });
  });

  it('keeps every image seed (seed + i) within the seed range', () => {
    parseTaskArgs('sd', { ...sdMinimal, task_config: { seed: 2 ** 31 - 10, num_images: 10 } });
    parseTaskArgs('sd', { ...sdMinimal, task_config: { seed: 2 ** 31 - 1, num_images: 1 } });
    const error = refuse('sd', { ...sdMinimal, task_config: { seed: 2 ** 31 - 9, num_images: 10 } });
    assert.deepEqual([error.field, error.kind], ['task_config.seed', 'invalid']);
    assert.match(error.reason, /seed \+ num_images - 1 \(2147483648\) must not exceed 2147483647/);
  });

  it('accepts the diffusers class names the reference network sends as aliases of our scheduler names', () => {
    const v11 = { ...sdMinimal, version: '1.1.0' };
    for (const method of [
      'DDIMScheduler',
      'PNDMScheduler',
      'EulerDiscreteScheduler',
      'EulerAncestralDiscreteScheduler',
      'DPMSolverMultistepScheduler',
      'LCMScheduler',
    ]) {
      const parsed = parseTaskArgs('sd', { ...v11, scheduler: { method } });
      assert.equal(getSdSchedulerMethod(parsed.scheduler.method), method.replace(/Scheduler$/, ''));
    }
    // The reference network's DPM-Solver++ args, as its schema writes them.
    const reference = parseTaskArgs('sd', {
      ...v11,
      scheduler: {
        method: 'DPMSolverMultistepScheduler',
        args: {
          use_karras_sigmas: true,
          algorithm_type: 'dpmsolver++',
          final_sigmas_type: 'zero',
          steps_offset: 1,
        },
      },
    });
    assert.equal(reference.scheduler.method, 'DPMSolverMultistepScheduler');
    const old = refuse('sd', { ...sdMinimal, scheduler: { method: 'LCMScheduler' } });
    assert.deepEqual([old.field, old.kind], ['scheduler.method', 'unsupported']);
  });

  it('accepts the bounds and refuses just outside them, naming the field', () => {
    const cases: [Record<string, unknown>, string | null][] = [
      [{ steps: 1 }, null],
      [{ steps: 100 }, null],
      [{ steps: 0 }, 'task_config.steps'],
      [{ steps: 101 }, 'task_config.steps'],
      [{ steps: 2.5 }, 'task_config.steps'],
      [{ seed: 2 ** 31 - 1 }, null],
      [{ seed: 2 ** 31 }, 'task_config.seed'],
      [{ seed: -1 }, 'task_config.seed'],
      [{ num_images: 10 }, null],
      [{ num_images: 11 }, 'task_config.num_images'],
      [{ cfg: 0 }, null],
      [{ cfg: 20 }, null],
      [{ cfg: 20.5 }, 'task_config.cfg'],
      [{ image_width: 64, image_height: 2048 }, null],
      [{ image_width: 513 }, 'task_config.image_width'],
      [{ image_height: 56 }, 'task_config.image_height'],
      [{ image_width: 2056 }, 'task_config.image_width'],
      [{ safety_checker: 'yes' }, 'task_config.safety_checker'],
    ];
    for (const [taskConfig, field] of cases) {
      const input = { ...sdMinimal, task_config: taskConfig };
      if (field === null) parseTaskArgs('sd', input);
      else {
        const error = refuse('sd', input);
        assert.equal(error.field, field, JSON.stringify(taskConfig));
        assert.equal(error.kind, 'invalid');
      }
    }
  });

  it('names unknown fields at any depth', () => {
    assert.equal(refuse('sd', { ...sdMinimal, negative: 'x' }).field, 'negative');
    assert.equal(refuse('sd', { ...sdMinimal, task_config: { step: 3 } }).field, 'task_config.step');
    const error = refuse('sd', { ...sdMinimal, scheduler: { method: 'DDIM', args: { karras: true } } });
    assert.equal(error.field, 'scheduler.args.karras');
    assert.equal(error.reason, 'unknown field');
    assert.match(error.message, /scheduler\.args\.karras/);
  });

  it('names the right field inside unions', () => {
    assert.equal(
      refuse('sd', { ...sdMinimal, base_model: { name: 'a', variant: 'fp 16' } }).field,
      'base_model.variant',
    );
    assert.equal(refuse('sd', { ...sdMinimal, base_model: '' }).field, 'base_model');
    assert.equal(refuse('sd', { ...sdMinimal, scheduler: { method: 'Heun' } }).field, 'scheduler.method');
    assert.equal(
      refuse('sd', { ...sdMinimal, scheduler: { method: 'DDIM', args: { eta: 2 } } }).field,
      'scheduler.args.eta',
    );
  });

  it('requires prompt and base_model', () => {
    assert.equal(refuse('sd', { base_model: 'a' }).field, 'prompt');
    assert.equal(refuse('sd', { prompt: 'a' }).field, 'base_model');
    assert.equal(refuse('sd', 'not an object').field, '');
    assert.equal(refuse('sd', null).field, '');
  });

  it('refuses the reference fields this worker version lacks as unsupported, with their shapes checked first', () => {
    const reference: Record<string, unknown> = {
      lora: { model: 'https://civitai.com/api/download/models/1', weight: 80 },
      controlnet: {
        model: 'lllyasviel/sd-controlnet-canny',
        image_dataurl: 'data:image/png;base64,iVBORw0KGgo=',
        weight: 70,
        preprocess: { method: 'canny', args: { low_threshold: 100 } },
      },
      textual_inversion: 'sd-concepts-library/cat-toy',
      refiner: { model: 'stabilityai/stable-diffusion-xl-refiner-1.0', denoising_cutoff: 80, steps: 20 },
      unet: 'latent-consistency/lcm-sdxl',
      vae: 'madebyollin/sdxl-vae-fp16-fix',
    };
    // LoRA, textual inversion and ControlNet are supported from task version 1.1.0; a 1.0.0 task still gets "unsupported".
    const since110 = new Set(['lora', 'textual_inversion', 'controlnet']);
    for (const [field, value] of Object.entries(reference)) {
      if (since110.has(field)) parseTaskArgs('sd', { ...sdMinimal, version: '1.1.0', [field]: value });
      const error = refuse('sd', { ...sdMinimal, version: '1.0.0', [field]: value });
      assert.equal(error.kind, 'unsupported', field);
      assert.equal(error.field, field);
      assert.match(error.message, /not supported by this worker version/);
      if (since110.has(field)) assert.match(error.message, /needs task version 1\.1\.0 or later/);
    }
    // The SDXL refiner runs from task version 1.2.0: a 1.1.0 task keeps its "unsupported" verdict.
    parseTaskArgs('sd', { ...sdMinimal, version: '1.2.0', refiner: reference.refiner });
    const refiner11 = refuse('sd', { ...sdMinimal, version: '1.1.0', refiner: reference.refiner });
    assert.equal(refiner11.kind, 'unsupported');
    assert.equal(refiner11.field, 'refiner');
    assert.match(refiner11.message, /needs task version 1\.2\.0 or later/);
    const badShape = refuse('sd', { ...sdMinimal, lora: { model: 'x', weight: 0.8 } });
    assert.equal(badShape.kind, 'invalid');
    assert.equal(badShape.field, 'lora.weight');
  });

  it('reads only major 1 and only versions up to its own', () => {
    parseTaskArgs('sd', { ...sdMinimal, version: '1.0.0' });
    parseTaskArgs('sd', { ...sdMinimal, version: '1.1.0' });
    parseTaskArgs('sd', { ...sdMinimal, version: '1.2.0' });
    const newer = refuse('sd', { ...sdMinimal, version: '1.2.1' });
    assert.equal(newer.field, 'version');
    assert.equal(newer.kind, 'unsupported');
    assert.equal(refuse('sd', { ...sdMinimal, version: '2.0.0' }).field, 'version');
    assert.equal(refuse('sd', { ...sdMinimal, version: '1.0' }).field, 'version');
    assert.equal(refuse('sd', { ...sdMinimal, version: '1.70000.0' }).field, 'version');
  });

  it('collects every issue, the first as field/reason', () => {
    const error = refuse('sd', { ...sdMinimal, task_config: { steps: 0, seed: -1 }, extra: 1 });
    assert.equal(error.issues.length, 3);
    assert.deepEqual(error.issues.map((i) => i.field).sort(), [
      'extra',
      'task_config.seed',
      'task_config.steps',
    ]);
  });
});

describe('parseTaskArgs llm', () => {
  it('leaves decoding settings unset, for the model defaults to fill', () => {
    const args = parseTaskArgs('llm', llmMinimal);
    assert.equal(args.version, '1.0.0');
    assert.equal(args.seed, 0);
    assert.equal(args.dtype, 'auto');
    // The worker fills the rest from the model's generation_config.json, then Hugging Face's defaults.
    assert.deepEqual(args.generation_config, { stop_strings: [], num_beams: 1, num_return_sequences: 1 });
  });

  it('accepts content parts, tool calls and their answers', () => {
    const args = parseTaskArgs('llm', {
      ...llmMinimal,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'c1', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', content: 'sunny', tool_call_id: 'c1' },
      ],
      template_args: { enable_thinking: false },
      generation_config: {
        do_sample: true,
        temperature: 0.7,
        top_p: 0.9,
        min_p: 0.05,
        stop_strings: ['\n\n'],
      },
      seed: 42,
    });
    assert.equal(args.messages[2]?.tool_calls?.[0]?.type, 'function');
    assert.equal(args.generation_config.min_p, 0.05);
  });

  it('accepts an assistant message with tool_calls and content null or absent, as OpenAI clients send it', () => {
    const call = {
      id: 'call_1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    };
    for (const assistant of [
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'assistant', tool_calls: [call] },
    ]) {
      const args = parseTaskArgs('llm', {
        ...llmMinimal,
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          assistant,
          { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_1' },
        ],
      });
      assert.equal(args.messages[1]?.content ?? null, null);
      assert.equal(args.messages[1]?.tool_calls?.[0]?.function.name, 'get_weather');
    }
  });

  it('refuses null or absent content anywhere else, naming the field', () => {
    for (const message of [
      { role: 'assistant', content: null },
      { role: 'assistant' },
      { role: 'user', content: null },
      { role: 'system' },
      { role: 'tool', content: null, tool_call_id: 'c1' },
    ]) {
      const error = refuse('llm', { ...llmMinimal, messages: [message] });
      assert.equal(error.field, 'messages.0.content', JSON.stringify(message));
      assert.equal(error.kind, 'invalid');
    }
  });

  it('refuses malformed messages, naming the field', () => {
    assert.equal(refuse('llm', { ...llmMinimal, messages: [] }).field, 'messages');
    assert.equal(
      refuse('llm', { ...llmMinimal, messages: [{ role: 'bot', content: 'x' }] }).field,
      'messages.0.role',
    );
    assert.equal(
      refuse('llm', { ...llmMinimal, messages: [{ role: 'tool', content: 'x' }] }).field,
      'messages.0.tool_call_id',
    );
    assert.equal(
      refuse('llm', { ...llmMinimal, messages: [{ role: 'user', content: [{ type: 'text', txt: 'x' }] }] })
        .field,
      'messages.0.content.0.text',
    );
    assert.equal(
      refuse('llm', { ...llmMinimal, generation_config: { temperature: 0 } }).field,
      'generation_config.temperature',
    );
    assert.equal(
      refuse('llm', { ...llmMinimal, generation_config: { top_q: 1 } }).field,
      'generation_config.top_q',
    );
    assert.equal(refuse('llm', { ...llmMinimal, quantize_bits: 2 }).field, 'quantize_bits');
    assert.equal(refuse('llm', { ...llmMinimal, model: 'a b' }).field, 'model');
  });

  it('refuses what worker 1.x cannot honour as unsupported', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ generation_config: { num_beams: 4 } }, 'generation_config.num_beams'],
      [{ generation_config: { num_return_sequences: 2 } }, 'generation_config.num_return_sequences'],
      [{ quantize_bits: 4 }, 'quantize_bits'],
      [{ dtype: 'float16' }, 'dtype'],
      [{ tools: [{ type: 'function', function: { name: 'w', parameters: { type: 'object' } } }] }, 'tools'],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          ],
        },
        'messages.0.content.0',
      ],
    ];
    for (const [patch, field] of cases) {
      const error = refuse('llm', { ...llmMinimal, ...patch });
      assert.equal(error.kind, 'unsupported', field);
      assert.equal(error.field, field);
    }
    parseTaskArgs('llm', { ...llmMinimal, generation_config: { num_beams: 1, num_return_sequences: 1 } });
  });
});

describe('parseTaskArgs sd_ft', () => {
  it('parses the reference shape with defaults', () => {
    const args = parseTaskArgs('sd_ft', ftMinimal);
    assert.equal(args.lora.rank, 8);
    assert.equal(args.train_args.learning_rate, 1e-4);
    assert.equal(args.train_args.lr_scheduler.lr_scheduler, 'constant');
    assert.equal(args.dataset.image_column, 'image');
    assert.equal(args.validation.num_images, 1);
    assert.equal(args.model.revision, 'main');
  });

  it('refuses contradictory choices', () => {
    assert.equal(refuse('sd_ft', { ...ftMinimal, dataset: {} }).field, 'dataset.url');
    assert.equal(
      refuse('sd_ft', { ...ftMinimal, dataset: { name: 'x', url: 'https://example.com/d.zip' } }).field,
      'dataset.url',
    );
    assert.equal(
      refuse('sd_ft', { ...ftMinimal, train_args: { num_train_epochs: 1, num_train_steps: 10 } }).field,
      'train_args.num_train_steps',
    );
    assert.equal(
      refuse('sd_ft', { ...ftMinimal, validation: { prompt: 'x', num_images: 11 } }).field,
      'validation.num_images',
    );
  });
});

it('refuses an unknown task type as unsupported', () => {
  const error = refuse('video' as 'sd', {});
  assert.equal(error.kind, 'unsupported');
});

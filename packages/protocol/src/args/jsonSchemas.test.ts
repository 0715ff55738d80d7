import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { schemasDir } from './exportJsonSchemas.js';
import { getTaskArgsJsonSchemas } from './jsonSchemas.js';

it('committed JSON Schema files are up to date (regenerate: npx tsx packages/protocol/src/args/exportJsonSchemas.ts)', () => {
  const expected = getTaskArgsJsonSchemas();
  assert.deepEqual(Object.keys(expected).sort(), [
    'llm-task-args.v1.json',
    'sd-finetune-task-args.v1.json',
    'sd-task-args.v1.json',
  ]);
  assert.deepEqual(
    readdirSync(schemasDir)
      .filter((f) => f.endsWith('.json'))
      .sort(),
    Object.keys(expected).sort(),
  );
  for (const [fileName, text] of Object.entries(expected)) {
    assert.equal(readFileSync(join(schemasDir, fileName), 'utf8'), text, `${fileName} is stale`);
  }
});

it('JSON Schemas describe strict objects with the documented bounds', () => {
  const sd = JSON.parse(getTaskArgsJsonSchemas()['sd-task-args.v1.json']!);
  assert.equal(sd.additionalProperties, false);
  assert.deepEqual(sd.required.sort(), ['base_model', 'prompt']);
  const steps = sd.properties.task_config.properties.steps;
  assert.deepEqual([steps.type, steps.minimum, steps.maximum, steps.default], ['integer', 1, 100, 25]);
  assert.equal(sd.properties.task_config.properties.image_width.multipleOf, 8);
  for (const field of ['lora', 'controlnet', 'refiner', 'textual_inversion', 'unet', 'vae'])
    assert.ok(sd.properties[field], field);
});

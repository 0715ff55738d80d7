import { z } from 'zod';
import { llmTaskArgsSchema } from './llm.js';
import { taskArgsVersions } from './parseTaskArgs.js';
import { sdTaskArgsSchema } from './sd.js';
import { sdFinetuneTaskArgsSchema } from './sdFinetune.js';
import { parseVersion } from './version.js';

const entries = [
  {
    name: 'sd-task-args',
    version: taskArgsVersions.sd,
    schema: sdTaskArgsSchema,
    title: 'Verinet Stable Diffusion text-to-image task arguments',
  },
  {
    name: 'llm-task-args',
    version: taskArgsVersions.llm,
    schema: llmTaskArgsSchema,
    title: 'Verinet LLM chat task arguments',
  },
  {
    name: 'sd-finetune-task-args',
    version: taskArgsVersions.sd_ft,
    schema: sdFinetuneTaskArgsSchema,
    title: 'Verinet Stable Diffusion LoRA fine-tuning task arguments',
  },
] as const;

/**
 * Renders the JSON Schema (draft 2020-12) of every task-argument schema, keyed by file name
 * (`<name>.v<major>.json`), as the text committed under packages/protocol/schemas/.
 *
 * @example
 * getTaskArgsJsonSchemas()['sd-task-args.v1.json'] // '{\n  "$schema": …'
 */
export function getTaskArgsJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of entries) {
    const major = parseVersion(entry.version).major;
    const fileName = `${entry.name}.v${major}.json`;
    // The input form is what applications send: fields with defaults are optional there.
    const jsonSchema = z.toJSONSchema(entry.schema, { io: 'input', target: 'draft-2020-12' });
    const document = {
      $schema: jsonSchema.$schema,
      $id: `https://verinet.dev/schemas/${fileName}`,
      title: entry.title,
      description: `Version ${entry.version} (accepts ${major}.x.y up to it). Generated from packages/protocol/src/args by exportJsonSchemas.ts; do not edit.`,
      ...jsonSchema,
    };
    files[fileName] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return files;
}

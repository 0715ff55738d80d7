import type { z } from 'zod';
import { InvalidTaskArgsError, type TaskArgsIssue } from './errors.js';
import { LLM_TASK_ARGS_VERSION, type LlmTaskArgs, llmTaskArgsSchema } from './llm.js';
import { SD_TASK_ARGS_VERSION, type SdTaskArgs, sdTaskArgsSchema } from './sd.js';
import {
  SD_FINETUNE_TASK_ARGS_VERSION,
  type SdFinetuneTaskArgs,
  sdFinetuneTaskArgsSchema,
} from './sdFinetune.js';
import { getUnsupportedFields } from './support.js';
import type { TaskType } from './taskType.js';
import { isVersionCompatible, parseVersion } from './version.js';

/** The argument version each task type is implemented at by this package (the worker version's args level). */
export const taskArgsVersions = {
  sd: SD_TASK_ARGS_VERSION,
  llm: LLM_TASK_ARGS_VERSION,
  sd_ft: SD_FINETUNE_TASK_ARGS_VERSION,
} as const satisfies Record<TaskType, string>;

const schemas = { sd: sdTaskArgsSchema, llm: llmTaskArgsSchema, sd_ft: sdFinetuneTaskArgsSchema } as const;

/** Parsed arguments per task type. */
export type TaskArgsByType = { sd: SdTaskArgs; llm: LlmTaskArgs; sd_ft: SdFinetuneTaskArgs };

export type ParseTaskArgsErrorType = InvalidTaskArgsError;

/**
 * Validates task arguments (already JSON-decoded) and returns them typed, with defaults applied.
 * Throws {@link InvalidTaskArgsError} naming the first bad field: kind `invalid` for schema violations,
 * `unsupported` for fields this worker version does not implement or a task version newer than it knows.
 *
 * @example
 * const args = parseTaskArgs('sd', { base_model: 'runwayml/stable-diffusion-v1-5', prompt: 'a cat' });
 * args.task_config.steps // 25
 */
export function parseTaskArgs<T extends TaskType>(taskType: T, input: unknown): TaskArgsByType[T] {
  const schema = schemas[taskType] as unknown as z.ZodType<TaskArgsByType[T]> | undefined;
  if (!schema) {
    throw new InvalidTaskArgsError([
      { field: '', kind: 'unsupported', reason: `unknown task type ${JSON.stringify(taskType)}` },
    ]);
  }
  const known = taskArgsVersions[taskType];
  // The version is read before the schema: a newer minor version may add fields this schema does not know,
  // and calling those `invalid` would have nodes report (and be slashed for) a task they merely cannot run.
  const declared = readDeclaredVersion(input);
  if (declared !== undefined && !isVersionCompatible(known, declared))
    throw newerVersionError(declared, known);
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => toTaskArgsIssue(issue, []));
    throw new InvalidTaskArgsError(issues as [TaskArgsIssue, ...TaskArgsIssue[]], { cause: result.error });
  }
  const args = result.data;
  const version = (args as { version: string }).version;
  if (!isVersionCompatible(known, version)) throw newerVersionError(version, known);
  const unsupported = getUnsupportedFields(taskType, args as { version: string });
  if (unsupported.length > 0)
    throw new InvalidTaskArgsError(unsupported as [TaskArgsIssue, ...TaskArgsIssue[]]);
  return args;
}

/** The `version` member when it is a well-formed version string; anything else is the schema's to judge. */
function readDeclaredVersion(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const version = (input as { version?: unknown }).version;
  if (typeof version !== 'string') return undefined;
  try {
    parseVersion(version);
    return version;
  } catch {
    return undefined;
  }
}

function newerVersionError(version: string, known: string): InvalidTaskArgsError {
  return new InvalidTaskArgsError([
    {
      field: 'version',
      kind: 'unsupported',
      reason: `task version ${version} is not implemented by this worker version (arguments ${known})`,
    },
  ]);
}

type Issue = z.core.$ZodIssue;

/** Turns one zod issue into a field path and a reason, going into the union branch that got furthest. */
function toTaskArgsIssue(issue: Issue, prefix: PropertyKey[]): TaskArgsIssue {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return {
      field: joinPath([...path, keys[0] ?? '']),
      kind: 'invalid',
      reason: keys.length === 1 ? 'unknown field' : `unknown fields ${keys.join(', ')}`,
    };
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = pickBranch(issue.errors);
    if (branch?.[0]) return toTaskArgsIssue(branch[0], path);
  }
  return { field: joinPath(path), kind: 'invalid', reason: issue.message };
}

/** The branch whose first error lies deepest is the one the input was most likely meant to match. */
function pickBranch(branches: Issue[][]): Issue[] | undefined {
  let best: Issue[] | undefined;
  let bestDepth = -1;
  for (const branch of branches) {
    const depth = Math.max(...branch.map((i) => i.path.length + (i.code === 'unrecognized_keys' ? 1 : 0)));
    if (depth > bestDepth) {
      best = branch;
      bestDepth = depth;
    }
  }
  return best;
}

function joinPath(path: PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

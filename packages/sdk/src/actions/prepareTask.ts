import {
  encodeTaskArgs,
  getModelId,
  getTaskModelIds,
  InvalidTaskArgsError,
  packVersion,
  parseVersion,
} from '@verinet/protocol/args';
import {
  createNonce,
  createRandomBytes32,
  createSalt,
  getArgsCommitment,
  getTaskIdCommitment,
} from '@verinet/protocol/commitment';
import { bytesToHex, keccak256, stringToHex, zeroHash } from 'viem';
import { discoverLlmBucket } from '../chain/discoverLlmBucket.js';
import { readDefaultFee } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { ConfigurationError, InvalidTaskArgumentsError, VerinetError } from '../errors/index.js';
import type { MemberRecord, SdkTaskType, TaskRecord, TaskRequirements } from '../types.js';
import { saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';

export type PrepareTaskParameters = {
  type: SdkTaskType;
  /** Task arguments as the schema of `type` takes them (docs/task-args.md). */
  args: unknown;
  fee?: bigint | undefined;
  requirements?: Partial<TaskRequirements> | undefined;
  /** Local id; random when left out. */
  id?: string | undefined;
};

/** A fresh on-chain member of a logical task: new nonce and salt, same GUID and arguments. */
export function createMemberRecord(
  record: Pick<TaskRecord, 'guid' | 'argsHash'>,
  role: MemberRecord['role'],
  fee: string,
): MemberRecord {
  const nonce = createNonce();
  const salt = createSalt();
  return {
    role,
    nonce,
    salt,
    taskKey: getTaskIdCommitment(record.guid, nonce),
    argsCommitment: getArgsCommitment(record.argsHash, salt),
    fee,
  };
}

/**
 * Validates and encodes the arguments (the protocol's schemas, exactly as a node will parse them), resolves the
 * node requirements and the fee, draws the task's secrets and persists the record. Nothing is sent.
 *
 * @example
 * const record = await client.prepareTask({ type: 'sd', args: { base_model: 'runwayml/stable-diffusion-v1-5', prompt: 'a cat' } });
 */
export async function prepareTask(
  context: SdkContext,
  parameters: PrepareTaskParameters,
): Promise<TaskRecord> {
  const { type } = parameters;
  if (type !== 'sd' && type !== 'llm') {
    throw new InvalidTaskArgumentsError(String(type), [
      `task type must be 'sd' or 'llm', not ${String(type)}`,
    ]);
  }
  let encoded: ReturnType<typeof encodeTaskArgs<typeof type>>;
  try {
    encoded = encodeTaskArgs(type, parameters.args);
  } catch (error) {
    if (error instanceof InvalidTaskArgsError) {
      const issues = error.issues.map(
        (issue) =>
          `${issue.field || '(arguments)'}: ${issue.kind === 'unsupported' ? 'not supported by the workers yet: ' : ''}${issue.reason}`,
      );
      throw new InvalidTaskArgumentsError(type, issues, error);
    }
    throw new InvalidTaskArgumentsError(type, [(error as Error).message], error);
  }
  if (context.checkArgs) {
    try {
      await context.checkArgs({ type, args: encoded.args });
    } catch (error) {
      if (error instanceof InvalidTaskArgumentsError) throw error;
      throw new InvalidTaskArgumentsError(type, [(error as Error).message], error);
    }
  }
  const wanted = { ...context.requirements, ...parameters.requirements };
  const minVram = wanted.minVram ?? 8;
  if (!Number.isInteger(minVram) || minVram < 0 || minVram > 2 ** 32 - 1)
    throw new ConfigurationError(`requirements.minVram must be a whole number of GiB, not ${minVram}.`);
  const argsVersion = (encoded.args as { version: string }).version;
  let gpu: string | null = wanted.gpu ?? null;
  let version = wanted.version ?? argsVersion;
  const id = parameters.id ?? createRandomBytes32().slice(2, 34);
  if (type === 'sd' && gpu !== null) {
    throw new ConfigurationError('Image tasks run on any GPU: leave requirements.gpu unset for SD tasks.');
  }
  if (type === 'llm' && gpu === null) {
    const bucket = await withRetry(context, { id, step: 'discover-gpu' }, () =>
      discoverLlmBucket(context, { argsVersion, minVram }),
    );
    gpu = bucket.gpu;
    if (wanted.version === undefined) version = bucket.version;
  }
  try {
    parseVersion(version);
  } catch (cause) {
    throw new ConfigurationError(
      `requirements.version ${JSON.stringify(version)} is not major.minor.patch.`,
      {
        cause,
      },
    );
  }
  const fee =
    parameters.fee ??
    context.fee ??
    (await withRetry(context, { id, step: 'read-fee' }, () => readDefaultFee(context)));
  if (fee <= 0n) throw new ConfigurationError(`The fee must be positive, not ${fee}.`);
  const now = Date.now();
  const base = { guid: createRandomBytes32(), argsHash: encoded.argsHash };
  const record: TaskRecord = {
    v: 1,
    id,
    taskType: type,
    args: bytesToHex(encoded.bytes),
    argsHash: encoded.argsHash,
    request: {
      modelIds: getTaskModelIds(type, encoded.args as never).map((m) => getModelId(m)),
      minVram,
      requiredGpu: gpu === null ? zeroHash : keccak256(stringToHex(gpu)),
      version: packVersion(version).toString(),
      gpu,
    },
    guid: base.guid,
    phase: 'prepared',
    members: [createMemberRecord(base, 'original', fee.toString())],
    previous: [],
    resubmits: 0,
    createdAt: now,
    updatedAt: now,
  };
  if (await context.store.getTask(id))
    throw new VerinetError(`A task with id ${id} already exists in the store.`, {
      details: ['Resume it with client.runTask(params, { id }) or choose another id.'],
    });
  await saveRecord(context, record);
  context.emit({ type: 'prepared', id, taskType: type });
  return record;
}

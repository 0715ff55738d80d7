import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { getAddress, isAddress } from 'viem';
import { z } from 'zod';
import { BaseError } from '../errors/index.js';

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'expected a 20-byte 0x address')
  .transform((value) => getAddress(value));

/** The file `verinet deploy` writes and every service reads: where the contracts live on which chain. */
export const deploymentSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  /** Block of the first deployment transaction: watchers start scanning events there. */
  startBlock: z.number().int().nonnegative(),
  deployer: address,
  deployedAt: z.string(),
  /** Where the chain answers, when the deployer chose to record it (the devnet always does). */
  rpcUrl: z.url({ protocol: /^(https?|wss?)$/ }).optional(),
  contracts: z.object({
    incentivePool: address,
    nodeRegistry: address,
    taskManager: address,
    vrfVerifier: address,
  }),
});

export type Deployment = z.infer<typeof deploymentSchema>;

export class DeploymentFileError extends BaseError {
  override name = 'DeploymentFileError' as const;
}

/**
 * Reads and validates a deployment file.
 *
 * @example
 * const { contracts } = readDeployment('.verinet/devnet/deployment.json');
 */
export function readDeployment(path: string): Deployment {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (cause) {
    const absolute = resolve(path);
    throw new DeploymentFileError(`Cannot read the deployment file ${path}.`, {
      details: [
        // A relative path is read from the working folder: the commonest cause is running from another folder.
        ...(absolute !== path ? [`It was looked for at ${absolute} (relative to ${process.cwd()}).`] : []),
        'Check the path (the devnet writes .verinet/devnet/deployment.json in the folder `npm start` ran in), or deploy the contracts first: `verinet deploy` (or `npm start` for a local network).',
      ],
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new DeploymentFileError(`The deployment file ${path} is not valid JSON.`, { cause });
  }
  const parsed = deploymentSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeploymentFileError(`The deployment file ${path} is malformed.`, {
      details: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    });
  }
  return parsed.data;
}

/** Writes a deployment file atomically (temp file + rename), so a reader never sees half a file. */
export function writeDeployment(path: string, deployment: Deployment): void {
  const valid = deploymentSchema.parse(deployment);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(valid, null, 2)}\n`);
  renameSync(temp, path);
}

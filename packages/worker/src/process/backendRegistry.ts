import { taskArgsVersions } from '@verinet/protocol/args';
import type { Backend, BackendCapabilities, TaskType } from '../backend/types.js';

/**
 * One entry of the worker's backend registry. The backend module is imported by `create` on first use, so a
 * worker that only ever runs LLM tasks never loads the Stable Diffusion pipeline.
 */
export type BackendEntry = {
  taskType: TaskType;
  /** The task argument schema version this backend implements (MAJOR.MINOR.PATCH). */
  argsVersion: string;
  create: () => Promise<Backend<unknown>>;
  /** Cheap capability listing (no model loading). When absent, the backend is created and asked. */
  capabilities?: (modelsDir: string) => Promise<BackendCapabilities>;
};

/** What a `--backend-module` file exports: `export const backends: BackendEntry[]`. */
export type BackendModule = { backends: BackendEntry[] };

/** The backends built into this package, in the order the handshake lists them. */
export function getDefaultBackends(): BackendEntry[] {
  return [
    {
      taskType: 'llm',
      argsVersion: taskArgsVersions.llm,
      create: async () => {
        const { createLlmBackend } = await import('../llm/index.js');
        return createLlmBackend() as Backend<unknown>;
      },
      capabilities: async (modelsDir) => {
        const { getLlmCapabilities } = await import('../llm/capabilities.js');
        return getLlmCapabilities(modelsDir);
      },
    },
    {
      taskType: 'sd',
      argsVersion: taskArgsVersions.sd,
      create: async () => {
        const { createSdBackend } = await import('../sd/index.js');
        return createSdBackend() as Backend<unknown>;
      },
    },
  ];
}

import { compareVersions, isVersionCompatible, taskArgsVersions } from '@verinet/protocol/args';
import { NodeConfigError } from '../errors/index.js';

/** What the worker's handshake says about one backend (or, without a handshake, this build's versions). */
export type WorkerBackendVersion = { taskType: string; argsVersion: string; models: string[] };

/** The backends this build's worker implements, when the worker is not asked (`join --models …`). */
export const builtInBackendVersions = (): WorkerBackendVersion[] => [
  { taskType: 'llm', argsVersion: taskArgsVersions.llm, models: ['?'] },
  { taskType: 'sd', argsVersion: taskArgsVersions.sd, models: ['?'] },
];

/**
 * The task-argument version a node registers. A node has one version on chain, and the two task kinds read it
 * differently (F7, `NodeVersion.fitsTask`): an LLM task is drawn only on nodes of exactly its version (results are
 * compared bit for bit), an image task on nodes of the same major and at least its minor.patch. So a node that
 * serves LLM tasks registers exactly its worker's LLM version (it still takes every image task up to that
 * version); a node without LLM models registers its image version (the oldest, when several backends). A configured version must be one the worker
 * runs: for LLM exactly its version, for images at most its version within the major.
 *
 * @example
 * chooseNodeVersion({ backends: handshake.backends }) // '1.0.0' while LLM args are 1.0.0 and SD 1.1.0
 */
export function chooseNodeVersion(parameters: {
  backends: WorkerBackendVersion[];
  configured?: string | undefined;
}): string {
  const { backends, configured } = parameters;
  const llm = backends.find((b) => b.taskType === 'llm' && b.models.length > 0);
  const images = backends
    .filter((b) => b.taskType !== 'llm' && b.models.length > 0)
    .map((b) => b.argsVersion)
    .sort(compareVersions);
  if (!llm && images.length === 0) {
    if (configured) return configured;
    throw new NodeConfigError(
      'The worker serves no model, so no task version can be registered (fetch a model first, or set `version`).',
    );
  }
  // The oldest image backend bounds the image tasks the node can run.
  const chosen = llm?.argsVersion ?? images[0]!;
  // Image backends must run every image task a node of this version may be drawn for.
  const runsImages = (version: string) => images.every((sd) => isVersionCompatible(sd, version));
  if (!configured) {
    if (!runsImages(chosen))
      throw new NodeConfigError(
        `The worker's LLM task version ${chosen} and image task version ${images.join(', ')} cannot share one registered version.`,
      );
    return chosen;
  }
  if (llm && configured !== llm.argsVersion) {
    throw new NodeConfigError(
      `Invalid node setting \`version\`: ${configured}, but this worker runs LLM task arguments ${llm.argsVersion}, and an LLM task is drawn only on nodes of exactly its version; set \`version\` to ${llm.argsVersion} or remove it.`,
    );
  }
  if (!runsImages(configured)) {
    throw new NodeConfigError(
      `Invalid node setting \`version\`: ${configured}, but this worker runs image task arguments up to ${images[0]} (same major); set \`version\` to ${chosen} or remove it.`,
    );
  }
  return configured;
}

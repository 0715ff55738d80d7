/**
 * @verinet/worker: inference behind one JSON-lines protocol. The node uses `WorkerSupervisor` to run tasks
 * in a child process (crash, OOM and hang become typed errors); backends (LLM, Stable Diffusion) implement
 * `Backend`; the model store holds their weights. See docs/worker-protocol.md.
 */
export type {
  Backend,
  BackendCapabilities,
  Progress,
  ResultFile,
  RunContext,
  TaskType,
} from './backend/types.js';
export { taskTypeIds } from './backend/types.js';
export {
  fetchModel,
  listModels,
  ModelIntegrityError,
  ModelNotFoundError,
  resolveModel,
} from './models/index.js';
export {
  type BackendEntry,
  type BackendModule,
  getDefaultBackends,
} from './process/backendRegistry.js';
export {
  WorkerCrashedError,
  type WorkerCrashReason,
  WorkerIncompatibleError,
  WorkerStoppedError,
  WorkerTaskError,
  WorkerTimeoutError,
} from './process/errors.js';
export {
  type WorkerExit,
  type WorkerResultFile,
  WorkerSupervisor,
  type WorkerSupervisorParameters,
  type WorkerTask,
  type WorkerTaskResult,
} from './process/supervisor.js';
export {
  type ErrorMessage,
  type HandshakeMessage,
  type ParentMessage,
  type ProgressMessage,
  protocolVersion,
  type ResultMessage,
  type RunMessage,
  type WorkerErrorKind,
  type WorkerMessage,
  WorkerProtocolError,
  workerErrorKinds,
} from './protocol/index.js';

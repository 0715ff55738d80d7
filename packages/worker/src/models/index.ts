/**
 * The local model store: `<modelsDir>/<owner--name>/…` with a `verinet-model.json` manifest (files, sizes,
 * sha256). Tasks only ever read it (`resolveModel`); `fetchModel` / `downloadFile` are operator steps.
 */
export { type DownloadFileParameters, downloadFile } from './downloadFile.js';
export {
  DownloadChecksumError,
  DownloadHttpError,
  DownloadInterruptedError,
  DownloadTimeoutError,
  ModelIdError,
  ModelIntegrityError,
  ModelNotFoundError,
} from './errors.js';
export { type FetchModelParameters, fetchModel } from './fetchModel.js';
export { getModelDir, getModelFolderName } from './getModelDir.js';
export { listModels } from './listModels.js';
export {
  createManifest,
  hashFile,
  type ModelFile,
  type ModelManifest,
  manifestFileName,
  modelManifestSchema,
  readManifest,
  writeManifest,
} from './manifest.js';
export { type ResolvedModel, type ResolveModelParameters, resolveModel } from './resolveModel.js';

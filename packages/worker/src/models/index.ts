/**
 * The local model store: `<modelsDir>/<owner--name>/…` with a `verinet-model.json` manifest (files, sizes,
 * sha256). Tasks only ever read it (`resolveModel`); `fetchModel` / `downloadFile` / `importModel` are
 * operator steps. `assertExecutionProvider` checks an onnxruntime execution provider is installed.
 */
export {
  assertExecutionProvider,
  cudaProviderFiles,
  getOnnxruntimeBinDir,
} from './assertExecutionProvider.js';
export { type DownloadFileParameters, downloadFile } from './downloadFile.js';
export {
  DownloadChecksumError,
  DownloadConnectionError,
  DownloadHttpError,
  DownloadInterruptedError,
  DownloadTimeoutError,
  MissingExecutionProviderError,
  ModelExistsError,
  ModelIdError,
  ModelIdMismatchError,
  ModelImportError,
  ModelIntegrityError,
  ModelNotFoundError,
} from './errors.js';
export { type FetchModelParameters, fetchModel } from './fetchModel.js';
export { getModelDir, getModelFolderName } from './getModelDir.js';
export { type ImportModelParameters, importModel } from './importModel.js';
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
export { removeEmptyFolders } from './removeEmptyFolders.js';
export { type ResolvedModel, type ResolveModelParameters, resolveModel } from './resolveModel.js';

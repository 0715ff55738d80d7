import { BaseError } from '@verinet/protocol/errors';

/** The model is not in the local store. Nothing is fetched while a task runs: the operator fetches it first. */
export class ModelNotFoundError extends BaseError {
  override name = 'ModelNotFoundError' as const;
  readonly modelId: string;
  constructor(modelId: string, modelsDir: string, reason = 'not in the local model store') {
    super(`Model ${modelId} is ${reason}`, {
      details: [
        `Model store: ${modelsDir}`,
        `Fetch it with: verinet model fetch ${modelId} --models-dir ${modelsDir} --url <base url of the model files>`,
      ],
      docsPath: 'worker-protocol.md#model-store',
    });
    this.modelId = modelId;
  }
}

/** A model file is missing, has the wrong size or the wrong sha256. */
export class ModelIntegrityError extends BaseError {
  override name = 'ModelIntegrityError' as const;
  readonly modelId: string;
  readonly file: string;
  constructor(modelId: string, file: string, problem: string) {
    super(`Model ${modelId} is damaged: ${file} ${problem}`, {
      details: [`Fetch the model again: verinet model fetch ${modelId} --url <base url of the model files>`],
      docsPath: 'worker-protocol.md#model-store',
    });
    this.modelId = modelId;
    this.file = file;
  }
}

/** A model id that cannot name a folder of the store (hub ids look like `owner/name`). */
export class ModelIdError extends BaseError {
  override name = 'ModelIdError' as const;
  constructor(modelId: string, reason: string) {
    super(`Model id ${JSON.stringify(modelId)} is not usable in the model store: ${reason}`, {
      details: ['Use a hub-style id: letters, digits, `.`, `_`, `-`, at most one `/`, no `--` or `..`.'],
      docsPath: 'worker-protocol.md#model-store',
    });
  }
}

/** The server answered a download with an unexpected HTTP status. */
export class DownloadHttpError extends BaseError {
  override name = 'DownloadHttpError' as const;
  readonly status: number;
  readonly url: string;
  constructor(url: string, status: number) {
    super(`Download of ${url} failed with HTTP ${status}`, {
      details: [status === 404 ? 'The file is not on the server: check the URL.' : 'Retry later.'],
    });
    this.status = status;
    this.url = url;
  }
}

/** The downloaded bytes do not have the expected sha256 (or size); the partial file is deleted. */
export class DownloadChecksumError extends BaseError {
  override name = 'DownloadChecksumError' as const;
  readonly url: string;
  constructor(url: string, expected: string, actual: string) {
    super(`Download of ${url} does not match its checksum`, {
      details: [
        `expected ${expected}`,
        `got      ${actual}`,
        'The partial file was deleted; the next try starts over.',
      ],
    });
    this.url = url;
  }
}

/** The server sent nothing for `idleTimeoutMs`; the partial file is kept for a resumed download. */
export class DownloadTimeoutError extends BaseError {
  override name = 'DownloadTimeoutError' as const;
  readonly url: string;
  constructor(url: string, idleTimeoutMs: number) {
    super(`Download of ${url} stalled: no data for ${idleTimeoutMs} ms`, {
      details: ['The partial file is kept; run the same command again to resume.'],
    });
    this.url = url;
  }
}

/** No HTTP answer at all (connection refused, unknown host): nothing was downloaded. */
export class DownloadConnectionError extends BaseError {
  override name = 'DownloadConnectionError' as const;
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super(`Cannot connect to ${url} (${getErrorCode(cause) ?? (cause as Error)?.message ?? 'no answer'}).`, {
      details: ['Check the URL and that the server is up, then run the same command again.'],
      cause,
    });
    this.url = url;
  }
}

/** The innermost `code` of an error chain (undici puts ECONNREFUSED on `cause`). */
function getErrorCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    const value = (current as { code?: unknown }).code;
    if (typeof value === 'string') code = value;
    current = (current as { cause?: unknown }).cause;
  }
  return code;
}

/** The connection broke mid-transfer; the partial file is kept for a resumed download. */
export class DownloadInterruptedError extends BaseError {
  override name = 'DownloadInterruptedError' as const;
  readonly url: string;
  constructor(url: string, received: number, cause: unknown) {
    super(`Download of ${url} was interrupted after ${received} bytes`, {
      details: ['The partial file is kept; run the same command again to resume.'],
      cause,
    });
    this.url = url;
  }
}

/**
 * A model folder's manifest (local or remote) names another model than the one asked for: the folder or the
 * URL is wrong, not the files.
 */
export class ModelIdMismatchError extends BaseError {
  override name = 'ModelIdMismatchError' as const;
  readonly expected: string;
  readonly found: string;
  constructor(expected: string, found: string, where: string) {
    super(`Model id mismatch: asked for ${expected}, but ${where} describes ${found}`, {
      details: [
        `Check the model id and the source: the manifest there says "modelId": "${found}".`,
        `To store it under the id asked for, import or fetch it again as ${expected}.`,
      ],
      docsPath: 'models.md',
    });
    this.expected = expected;
    this.found = found;
  }
}

/** A local folder cannot be imported into the store (missing, not a model, or an unknown layout). */
export class ModelImportError extends BaseError {
  override name = 'ModelImportError' as const;
  readonly sourceDir: string;
  constructor(sourceDir: string, problem: string, details: string[] = []) {
    super(`Cannot import ${sourceDir}: ${problem}`, { details, docsPath: 'models.md#importing-a-folder' });
    this.sourceDir = sourceDir;
  }
}

/** The store already holds different files under this model id; importing would replace them. */
export class ModelExistsError extends BaseError {
  override name = 'ModelExistsError' as const;
  readonly modelId: string;
  constructor(modelId: string, dir: string) {
    super(`Model ${modelId} is already in the store with other files (${dir})`, {
      details: [
        `Import it under another id, or remove ${dir} first (the library call takes replace: true to replace it).`,
      ],
      docsPath: 'models.md#importing-a-folder',
    });
    this.modelId = modelId;
  }
}

/**
 * The execution provider asked for is not installed in onnxruntime-node (for CUDA: its provider libraries
 * are downloaded by onnxruntime-node's install script, which this project skips offline).
 */
export class MissingExecutionProviderError extends BaseError {
  override name = 'MissingExecutionProviderError' as const;
  readonly provider: string;
  constructor(provider: string, problem: string, details: string[]) {
    super(`Execution provider ${provider} is not available: ${problem}`, {
      details,
      docsPath: 'models.md#gpus-and-execution-providers',
    });
    this.provider = provider;
  }
}

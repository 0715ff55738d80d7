import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MissingExecutionProviderError } from './errors.js';

/** The provider libraries onnxruntime-node's install script downloads for CUDA 12 (Linux x64). */
export const cudaProviderFiles = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function getOnnxruntimeBinDir(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Checks that onnxruntime-node can use the execution provider, before any model is opened: without this a
 * session created for `cuda` fails inside model loading and reads as a damaged model. `cpu` is always there.
 * `cuda` needs the CUDA provider libraries next to onnxruntime-node's binding; they are not in the npm
 * package and this project skips the install script that downloads them (docs/models.md says how a GPU owner
 * installs them). Whether the CUDA and cuDNN system libraries load is only known when a session is created.
 *
 * @throws MissingExecutionProviderError naming what is missing and how to install it.
 * @example
 * assertExecutionProvider('cuda');
 */
export function assertExecutionProvider(
  provider: string,
  options: { binDir?: string | undefined } = {},
): void {
  if (provider === 'cpu') return;
  if (provider !== 'cuda') {
    throw new MissingExecutionProviderError(provider, 'unknown provider', [
      'The worker knows the execution providers cpu and cuda.',
    ]);
  }
  const binDir = options.binDir ?? getOnnxruntimeBinDir();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new MissingExecutionProviderError(
      provider,
      `onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}`,
      [
        'onnxruntime-node ships CUDA providers for linux/x64 only. Run the worker with --execution-provider cpu.',
      ],
    );
  }
  const missing = cudaProviderFiles.filter((file) => !existsSync(join(binDir, file)));
  if (missing.length === 0) return;
  throw new MissingExecutionProviderError(provider, 'the onnxruntime-node CUDA provider is not installed', [
    'On a GPU box with the NVIDIA driver, CUDA 12 and cuDNN 9: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install',
    'Or run the worker with --execution-provider cpu.',
    'onnxruntime-node downloads its CUDA 12 provider in its install script, which this project skips (offline installs).',
    `Missing in ${binDir}: ${missing.join(', ')}`,
  ]);
}

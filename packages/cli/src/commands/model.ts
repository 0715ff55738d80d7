import { resolve } from 'node:path';
import { BaseError } from '@verinet/protocol';
import type { ModelManifest } from '@verinet/worker/models';
import { Command } from 'commander';
import { assertDirectoryPath } from '../cli/assertDirectoryPath.js';
import { CommandError, UsageError } from '../cli/errors.js';
import { parseChoiceArgument } from '../cli/options.js';
import { output, printLine } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { statOrUndefined } from '../cli/statOrUndefined.js';

type StoreOptions = { modelsDir: string; json?: boolean };

/** `importModel` as `@verinet/worker/models` exports it (see packages/worker/src/models). */
type ImportModel = (parameters: {
  modelsDir: string;
  sourceDir: string;
  modelId: string;
  taskType?: ModelManifest['taskType'] | undefined;
}) => Promise<ModelManifest>;

export function createModelCommand(): Command {
  const model = new Command('model')
    .summary('fetch, import, list and verify models in the local model store')
    .description(
      `The node's local model store (default .verinet/models). Tasks never download anything: models are fetched or imported here beforehand and checked against their verinet-model.json manifest (sha256 per file).`,
    );
  const storeOption = (command: Command) =>
    command
      .option('--models-dir <dir>', 'the model store', '.verinet/models')
      .option('--json', 'print the result as JSON');

  storeOption(
    model
      .command('fetch')
      .description('Downloads a model (resumable, sha256-checked) from a folder URL holding its manifest.')
      .argument('<model-id>', 'hub-style id, owner/name')
      .requiredOption('--url <base-url>', 'http(s) URL of the folder holding verinet-model.json'),
  ).action(async (modelId: string, options: StoreOptions & { url: string }) => {
    const modelsDir = assertDirectoryPath('--models-dir', options.modelsDir);
    if (!/^https?:\/\/\S+$/.test(options.url)) {
      throw new UsageError(`--url must be an http(s) URL, got "${options.url}".`);
    }
    const { fetchModel } = await import('@verinet/worker/models');
    let last = '';
    const manifest = await fetchModel({
      modelsDir,
      modelId,
      baseUrl: options.url,
      onProgress: (file, received, total) => {
        const line = `${file} ${total ? `${Math.floor((received / total) * 100)}%` : `${received} bytes`}`;
        if (line !== last) output.stderr(`\r${line}   `);
        last = line;
      },
    }).catch((error: unknown) => {
      throw toFetchError(error, options.url);
    });
    if (last) output.stderr('\n');
    if (options.json) printJson(manifest);
    else printLine(`${manifest.modelId}: ${manifest.files.length} files verified in ${modelsDir}`);
  });

  storeOption(
    model
      .command('import')
      .description(
        'Adds a model folder you already have (diffusers layout, ONNX export) to the store, writing its manifest.',
      )
      .argument('<dir>', 'the model folder')
      .requiredOption('--id <model-id>', 'hub-style id the network knows it by, owner/name')
      .option(
        '--task-type <type>',
        'sd or llm (default: read from the folder layout)',
        parseChoiceArgument('--task-type', ['sd', 'llm', 'sd_ft'] as const),
      ),
  ).action(
    async (
      sourceDir: string,
      options: StoreOptions & { id: string; taskType?: ModelManifest['taskType'] },
    ) => {
      const modelsDir = assertDirectoryPath('--models-dir', options.modelsDir);
      const info = statOrUndefined(sourceDir);
      if (!info) throw new CommandError(`No folder at ${sourceDir}; give the model's folder.`);
      if (!info.isDirectory()) {
        throw new CommandError(`${sourceDir} is a file; give the folder that holds the model's files.`);
      }
      const models = await import('@verinet/worker/models');
      const importModel = (models as { importModel?: ImportModel }).importModel;
      if (typeof importModel !== 'function') {
        throw new CommandError(
          'This build of @verinet/worker has no importModel; update the worker package.',
        );
      }
      const manifest = await importModel({
        modelsDir,
        sourceDir: resolve(sourceDir),
        modelId: options.id,
        taskType: options.taskType,
      });
      if (options.json) printJson(manifest);
      else {
        printLine(
          `${manifest.modelId} (${manifest.taskType}): ${manifest.files.length} files, ${formatBytes(totalBytes(manifest))}, imported into ${modelsDir}`,
        );
      }
    },
  );

  storeOption(model.command('list').description('Lists the models in the store.')).action(
    async (options: StoreOptions) => {
      const modelsDir = assertDirectoryPath('--models-dir', options.modelsDir);
      const { listModels } = await import('@verinet/worker/models');
      const found = await listModels(modelsDir);
      if (options.json) {
        printJson(found.map((manifest) => ({ ...manifest, bytes: totalBytes(manifest) })));
        return;
      }
      if (found.length === 0) {
        printLine(
          `The model store ${modelsDir} is empty. Add a model with \`verinet model fetch\` or \`verinet model import\`.`,
        );
        return;
      }
      for (const manifest of found) {
        printLine(
          `${manifest.modelId.padEnd(40)} ${manifest.taskType.padEnd(6)} ${formatBytes(totalBytes(manifest))}`,
        );
      }
    },
  );

  storeOption(
    model
      .command('verify')
      .description("Checks every file of a model against its manifest's sha256.")
      .argument('<model-id>', 'hub-style id, owner/name'),
  ).action(async (modelId: string, options: StoreOptions) => {
    const modelsDir = assertDirectoryPath('--models-dir', options.modelsDir);
    const { resolveModel } = await import('@verinet/worker/models');
    const resolved = await resolveModel({ modelsDir, modelId, check: 'sha256' });
    if (options.json) printJson({ modelId: resolved.modelId, dir: resolved.dir, verified: true });
    else printLine(`${resolved.modelId}: every file matches its sha256 (${resolved.dir})`);
  });

  storeOption(
    model
      .command('write-tiny')
      .description(
        'Writes the random-weight tiny GPT-2 and Stable Diffusion models used by tests and the devnet.',
      ),
  ).action(async (options: StoreOptions) => {
    const modelsDir = assertDirectoryPath('--models-dir', options.modelsDir);
    // Loaded here only: the model generators pull in onnx-proto and transformers.js.
    const { writeTinyGpt2 } = await import('@verinet/worker/llm');
    const { writeTinySdModel } = await import('@verinet/worker/sd/tiny');
    const llm = await writeTinyGpt2({ modelsDir });
    await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd' });
    if (options.json) printJson({ modelsDir, models: [llm.modelId, 'verinet/tiny-sd'] });
    else printLine(`${llm.modelId} and verinet/tiny-sd written to ${modelsDir}`);
  });
  return model;
}

/** A connection that fails before any HTTP answer (refused, unknown host) becomes one actionable line. */
function toFetchError(error: unknown, url: string): unknown {
  if (error instanceof BaseError) return error;
  let code: string | undefined;
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    const value = (current as { code?: unknown }).code;
    if (typeof value === 'string') code = value;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError || code) {
    return new CommandError(`Cannot connect to ${url} (${code ?? (error as Error).message}).`, {
      details: ['Check the URL and that the server is up, then run the same command again.'],
      cause: error,
    });
  }
  return error;
}

const totalBytes = (manifest: ModelManifest) => manifest.files.reduce((sum, file) => sum + file.size, 0);

function formatBytes(bytes: number): string {
  return bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(2)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${(bytes / 1e3).toFixed(1)} kB`;
}

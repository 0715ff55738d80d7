import { resolve } from 'node:path';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import { fetchModel, listModels, resolveModel } from '@verinet/worker/models';
import { writeTinySdModel } from '@verinet/worker/sd/tiny';
import { parseCommandArgs, UsageError } from './parseCommandArgs.js';
import type { Command } from './types.js';

const help = `verinet model fetch MODEL_ID --url BASE_URL [--models-dir DIR]
verinet model list [--models-dir DIR]
verinet model verify MODEL_ID [--models-dir DIR]
verinet model write-tiny [--models-dir DIR]

The node's local model store (default DIR: .verinet/models). Tasks never download anything: models are fetched
here beforehand, with HTTP Range resume and sha256 checks against the model's verinet-model.json manifest.
write-tiny writes the random-weight tiny GPT-2 and Stable Diffusion models used by tests and the devnet.`;

export const modelCommand: Command = {
  summary: 'fetch, list and verify models in the local model store',
  async run(argv) {
    const [action, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(
      rest,
      { url: { type: 'string' }, 'models-dir': { type: 'string' } },
      help,
      true,
    );
    if (values.help || !action) {
      console.log(help);
      return values.help ? 0 : 1;
    }
    const modelsDir = resolve(values['models-dir'] ?? '.verinet/models');
    const modelId = positionals[0];
    switch (action) {
      case 'fetch': {
        if (!modelId || !values.url)
          throw new UsageError('fetch needs MODEL_ID and --url.', { details: [help] });
        if (!/^https?:\/\//.test(values.url)) throw new UsageError('--url must be an http(s) URL.');
        let last = '';
        const manifest = await fetchModel({
          modelsDir,
          modelId,
          baseUrl: values.url,
          onProgress: (file, received, total) => {
            const line = `${file} ${total ? Math.floor((received / total) * 100) : received}${total ? '%' : ' bytes'}`;
            if (line !== last) process.stderr.write(`\r${line}   `);
            last = line;
          },
        });
        process.stderr.write('\n');
        console.log(`${manifest.modelId}: ${manifest.files.length} files verified in ${modelsDir}`);
        return 0;
      }
      case 'list': {
        for (const manifest of await listModels(modelsDir)) {
          const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
          console.log(
            `${manifest.modelId.padEnd(40)} ${manifest.taskType.padEnd(6)} ${(bytes / 1e6).toFixed(1)} MB`,
          );
        }
        return 0;
      }
      case 'verify': {
        if (!modelId) throw new UsageError('verify needs MODEL_ID.', { details: [help] });
        const resolved = await resolveModel({ modelsDir, modelId, check: 'sha256' });
        console.log(`${resolved.modelId}: every file matches its sha256 (${resolved.dir})`);
        return 0;
      }
      case 'write-tiny': {
        const llm = await writeTinyGpt2({ modelsDir });
        await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd' });
        console.log(`${llm.modelId} and verinet/tiny-sd written to ${modelsDir}`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown model action "${action}".`, { details: [help] });
    }
  },
};

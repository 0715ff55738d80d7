import { BaseError } from '@verinet/protocol/errors';

const docsPath = 'stable-diffusion.md';

/** A model folder or one of its files is missing or unreadable. */
export class SdModelNotFoundError extends BaseError {
  override name = 'SdModelNotFoundError' as const;
  constructor({ model, path, reason }: { model: string; path: string; reason: string }) {
    super(`Stable Diffusion model "${model}" is not usable: ${reason}.`, {
      details: [
        `Looked at: ${path}`,
        'A model folder holds text_encoder/, unet/, vae_decoder/ (model.onnx each), tokenizer/{vocab.json,merges.txt},',
        'scheduler/scheduler_config.json and model_index.json, as diffusers exports them for ONNX.',
      ],
      docsPath,
    });
  }
}

/** A model file is present but does not have the inputs, outputs or contents the pipeline needs. */
export class SdModelFormatError extends BaseError {
  override name = 'SdModelFormatError' as const;
  constructor({ model, file, reason }: { model: string; file: string; reason: string }) {
    super(`Stable Diffusion model "${model}" has an unusable ${file}: ${reason}.`, { docsPath });
  }
}

/** The task asks for something this worker version does not do (dtype, image size, scheduler option...). */
export class SdUnsupportedArgumentError extends BaseError {
  override name = 'SdUnsupportedArgumentError' as const;
  constructor({ argument, reason }: { argument: string; reason: string }) {
    super(`Stable Diffusion argument "${argument}" is not supported: ${reason}.`, { docsPath });
  }
}

/** The task was aborted through its AbortSignal between two denoising steps. */
export class SdAbortedError extends BaseError {
  override name = 'SdAbortedError' as const;
  constructor({ step, total }: { step: number; total: number }) {
    super(`Stable Diffusion task aborted after step ${step} of ${total}.`, { docsPath });
  }
}

import { BaseError } from '@verinet/protocol/errors';

/** A textual-inversion embedding that cannot be used: unknown layout, clashing token, wrong width. */
export class SdTextualInversionError extends BaseError {
  override name = 'SdTextualInversionError' as const;
  constructor({ embedding, file, reason }: { embedding: string; file: string; reason: string }) {
    super(`Textual inversion "${embedding}" (${file}) cannot be used: ${reason}.`, {
      details: [
        'Supported: safetensors in the diffusers layout (one tensor named after its token, [hidden] or [vectors, hidden])',
        'or the A1111 layout (emb_params [vectors, hidden]; the token is the file name unless the task names one).',
      ],
      docsPath: 'stable-diffusion.md',
    });
  }
}

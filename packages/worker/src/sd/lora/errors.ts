import { BaseError } from '@verinet/protocol/errors';

/** A LoRA file that cannot be applied: unknown key naming, missing pair, shapes that do not fit the model. */
export class SdLoraError extends BaseError {
  override name = 'SdLoraError' as const;
  constructor({ lora, file, reason }: { lora: string; file: string; reason: string }) {
    super(`LoRA "${lora}" (${file}) cannot be applied: ${reason}.`, {
      details: [
        'Supported: safetensors with kohya/A1111 keys (lora_unet_*, lora_te_*, .lora_down/.lora_up/.alpha) or',
        'diffusers/PEFT keys (unet.* / text_encoder.* with .lora_A/.lora_B, .lora.down/.lora.up, *_lora.down/.up).',
      ],
      docsPath: 'stable-diffusion.md',
    });
  }
}

import { BaseError } from '@verinet/protocol/errors';

/** A ControlNet model, base model or conditioning image that cannot be used together. */
export class SdControlnetError extends BaseError {
  override name = 'SdControlnetError' as const;
  constructor({ model, file, reason }: { model: string; file: string; reason: string }) {
    super(`ControlNet: "${model}" ${file} cannot be used: ${reason}.`, {
      details: [
        'A ControlNet model holds model.onnx: sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale ->',
        'down_block_res_samples_0..n-1, mid_block_res_sample. The base model needs unet_controlnet/model.onnx: its UNet with',
        'the extra inputs down_block_additional_residuals_0..n-1 and mid_block_additional_residual.',
      ],
      docsPath: 'stable-diffusion.md',
    });
  }
}

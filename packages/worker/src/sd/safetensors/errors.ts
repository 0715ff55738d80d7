import { BaseError } from '@verinet/protocol/errors';

/** A safetensors file that breaks the format (header, dtype, shape or byte ranges). */
export class SafetensorsFormatError extends BaseError {
  override name = 'SafetensorsFormatError' as const;
  constructor({ file, reason }: { file: string; reason: string }) {
    super(`${file} is not a valid safetensors file: ${reason}.`, {
      details: [
        'safetensors: 8-byte little-endian header length, a JSON header { name: { dtype, shape, data_offsets } },',
        'then the tensor bytes, contiguous and without overlap.',
      ],
      docsPath: 'stable-diffusion.md',
    });
  }
}

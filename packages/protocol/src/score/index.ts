export type {
  CompareScoresOptions,
  CompareScoresParameters,
  CompareScoresReturnType,
} from './compareScores.js';
export { compareScores } from './compareScores.js';
export type { DecodeImageParameters, DecodeImageReturnType } from './decodeImage.js';
export { decodeImage } from './decodeImage.js';
export {
  ImageDecodeError,
  type ImageDecodeErrorType,
  InvalidBlockLengthError,
  type InvalidBlockLengthErrorType,
  InvalidPixelsError,
  type InvalidPixelsErrorType,
  InvalidThresholdError,
  type InvalidThresholdErrorType,
} from './errors.js';
export type { GetImageScoreParameters, GetImageScoreReturnType } from './getImageScore.js';
export { getImageScore } from './getImageScore.js';
export type { GetLowFrequencyDctParameters, GetLowFrequencyDctReturnType } from './getLowFrequencyDct.js';
export { getLowFrequencyDct } from './getLowFrequencyDct.js';
export type { GetPHashParameters, GetPHashReturnType } from './getPHash.js';
export { getPHash } from './getPHash.js';
export type { GetPixelsPHashParameters, GetPixelsPHashReturnType } from './getPixelsPHash.js';
export { getPixelsPHash } from './getPixelsPHash.js';
export type { GetTextScoreParameters, GetTextScoreReturnType } from './getTextScore.js';
export { getTextScore } from './getTextScore.js';
export type { HammingDistance64Parameters, HammingDistance64ReturnType } from './hammingDistance64.js';
export { hammingDistance64 } from './hammingDistance64.js';
export type { ResizeLanczosParameters, ResizeLanczosReturnType } from './resizeLanczos.js';
export { resizeLanczos } from './resizeLanczos.js';
export type { ToLumaParameters, ToLumaReturnType } from './toLuma.js';
export { toLuma } from './toLuma.js';
export type { LumaImage, RawPixels } from './types.js';

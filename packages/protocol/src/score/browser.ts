/**
 * The pure part of result scoring, without image decoding (which needs sharp, a Node-only native module):
 * browsers and the SDK's core import this and decode images themselves (a PNG decoder, createImageBitmap).
 */
export type {
  CompareScoresOptions,
  CompareScoresParameters,
  CompareScoresReturnType,
} from './compareScores.js';
export { compareScores } from './compareScores.js';
export {
  InvalidBlockLengthError,
  type InvalidBlockLengthErrorType,
  InvalidPixelsError,
  type InvalidPixelsErrorType,
  InvalidThresholdError,
  type InvalidThresholdErrorType,
} from './errors.js';
export type { GetPixelsPHashParameters, GetPixelsPHashReturnType } from './getPixelsPHash.js';
export { getPixelsPHash } from './getPixelsPHash.js';
export type { GetTextScoreParameters, GetTextScoreReturnType } from './getTextScore.js';
export { getTextScore } from './getTextScore.js';
export type { HammingDistance64Parameters, HammingDistance64ReturnType } from './hammingDistance64.js';
export { hammingDistance64 } from './hammingDistance64.js';
export type { LumaImage, RawPixels } from './types.js';

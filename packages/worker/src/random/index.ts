/**
 * Portable seeded randomness for the worker: Philox4x32-10 streams and a float32 Gaussian sampler
 * (Box-Muller with our own log/sin/cos). Never Math.random: every value is a pure function of (seed, stream,
 * position) and has the same bits on every platform.
 *
 * - `philox4x32(counter, key)`: one raw block.
 * - `createRandomStream({ seed, stream })`: sequential uint32 / uniform reader.
 * - `fillGaussian(stream, out)`: standard normal float32 values.
 */
export { fillGaussian } from './gaussian.js';
export { type PhiloxCounter, type PhiloxKey, philox4x32 } from './philox.js';
export { portableLog, portableSinCos2Pi } from './portableMath.js';
export { type CreateRandomStreamParameters, createRandomStream, type RandomStream } from './stream.js';

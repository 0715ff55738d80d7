/** Draws standard normal float32 noise of the given length (the pipeline's seeded ancestral stream). */
export type NoiseSource = (length: number) => Float32Array;

/**
 * One sampler over a fixed number of inference steps. Arrays are latents (float32, any shape flattened);
 * scalar coefficients are computed in double and every output element is rounded once to float32.
 * Multistep samplers keep state between calls: create one per image and call `step` in order.
 */
export type Scheduler = {
  /** The timestep fed to the UNet at each step, in order (fractional for the Euler samplers; PNDM repeats one). */
  readonly timesteps: readonly number[];
  /** Multiplier of the initial unit Gaussian latents. */
  readonly initNoiseSigma: number;
  /** Whether `step` draws noise (then two runs differ only through the seed). */
  readonly stochastic: boolean;
  /** The UNet input for step `index` (identity except for the Euler samplers' 1/sqrt(σ²+1)). */
  scaleModelInput(sample: Float32Array, index: number): Float32Array;
  /** The latents after step `index`, from the guided model output. */
  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): Float32Array;
  /**
   * Noises clean latents to the level of step `index` (diffusers' add_noise at timesteps[index]): the start
   * of image-to-image and inpainting.
   */
  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array;
};

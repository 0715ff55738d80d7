/** Parameters of `detectCannyEdges`: 8-bit pixels, interleaved channels. */
export type DetectCannyEdgesParameters = {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB); with several channels each pixel takes the gradient of its strongest channel. */
  channels: number;
  /** Hysteresis thresholds on the L1 gradient magnitude |dx| + |dy| (OpenCV: floored to integers). */
  lowThreshold: number;
  highThreshold: number;
};

/** OpenCV's fixed-point tan(22.5°): round(0.41421356 · 2^15). */
const TG22 = 13573;
const SHIFT = 15;

/**
 * Canny edge detection with the semantics of OpenCV's `cv2.Canny(image, low, high)` (aperture 3, L1 gradient),
 * which controlnet_aux's CannyDetector calls on the RGB image. Steps:
 *
 * 1. Sobel 3×3 derivatives per channel (integer, border replicated): dx with [-1 0 1; -2 0 2; -1 0 1], dy its
 *    transpose. With several channels a pixel keeps the dx, dy of the first channel with the largest |dx| + |dy|.
 * 2. Non-maximum suppression on m = |dx| + |dy| (zero outside the image), for pixels with m > low: the direction
 *    is horizontal when |dy|·2^15 < |dx|·TG22, vertical when it exceeds |dx|·(TG22 + 2^16), diagonal otherwise;
 *    a pixel survives when m is greater than the neighbour before it and not smaller than the one after it
 *    along that direction (strictly greater than both on diagonals), exactly OpenCV's asymmetric tie rule.
 * 3. Hysteresis: surviving pixels with m > high are edges, and so is every surviving pixel 8-connected to an
 *    edge through surviving pixels. Thresholds are floored and swapped if low > high, as OpenCV does.
 *
 * No Gaussian blur runs first (cv2.Canny has none). Returns one byte per pixel: 255 on edges, 0 elsewhere.
 *
 * @example
 * const edges = detectCannyEdges({ data: rgb, width, height, channels: 3, lowThreshold: 100, highThreshold: 200 });
 */
export function detectCannyEdges(parameters: DetectCannyEdgesParameters): Uint8Array {
  const { data, width, height, channels } = parameters;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`image size ${width}×${height} is not positive integers`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  if (data.length !== width * height * channels)
    throw new RangeError(`${data.length} bytes for a ${width}×${height}×${channels} image`);
  let low = Math.floor(parameters.lowThreshold);
  let high = Math.floor(parameters.highThreshold);
  if (low > high) [low, high] = [high, low];

  const dxs = new Int32Array(width * height);
  const dys = new Int32Array(width * height);
  const magnitude = new Int32Array(width * height);
  const at = (x: number, y: number, c: number) =>
    data[
      (Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * channels + c
    ]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      for (let c = 0; c < channels; c++) {
        const dx =
          at(x + 1, y - 1, c) -
          at(x - 1, y - 1, c) +
          2 * (at(x + 1, y, c) - at(x - 1, y, c)) +
          at(x + 1, y + 1, c) -
          at(x - 1, y + 1, c);
        const dy =
          at(x - 1, y + 1, c) -
          at(x - 1, y - 1, c) +
          2 * (at(x, y + 1, c) - at(x, y - 1, c)) +
          at(x + 1, y + 1, c) -
          at(x + 1, y - 1, c);
        const m = Math.abs(dx) + Math.abs(dy);
        if (c === 0 || m > magnitude[i]!) {
          magnitude[i] = m;
          dxs[i] = dx;
          dys[i] = dy;
        }
      }
    }
  }
  const mag = (x: number, y: number) =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : magnitude[y * width + x]!;

  // 0: not an edge, 1: candidate (survived suppression, above low), 2: edge.
  const state = new Uint8Array(width * height);
  const stack: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const m = magnitude[i]!;
      if (m <= low) continue;
      const xs = dxs[i]!;
      const ys = dys[i]!;
      const ax = Math.abs(xs);
      const ay = Math.abs(ys) * 2 ** SHIFT;
      const tg22x = ax * TG22;
      let keep: boolean;
      if (ay < tg22x) {
        keep = m > mag(x - 1, y) && m >= mag(x + 1, y);
      } else {
        const tg67x = tg22x + ax * 2 ** (SHIFT + 1);
        if (ay > tg67x) {
          keep = m > mag(x, y - 1) && m >= mag(x, y + 1);
        } else {
          // OpenCV: (xs ^ ys) < 0, i.e. the signs differ, zero counting as positive.
          const s = xs < 0 !== ys < 0 ? -1 : 1;
          keep = m > mag(x - s, y - 1) && m > mag(x + s, y + 1);
        }
      }
      if (!keep) continue;
      if (m > high) {
        state[i] = 2;
        stack.push(i);
      } else {
        state[i] = 1;
      }
    }
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (state[j] === 1) {
          state[j] = 2;
          stack.push(j);
        }
      }
    }
  }
  const edges = new Uint8Array(width * height);
  for (let i = 0; i < edges.length; i++) if (state[i] === 2) edges[i] = 255;
  return edges;
}

/**
 * Writes the PIL "L" luma (see `toLuma`) of `count` pixels starting at pixel `first` into `out`.
 * Internal: lets the resampler convert a block of rows at a time instead of materialising a whole grey
 * copy of a large image.
 */
export function writeLumaRow(
  data: Uint8Array,
  first: number,
  channels: 1 | 2 | 3 | 4,
  count: number,
  out: Uint8Array,
): void {
  let j = first * channels;
  if (channels === 1) {
    out.set(data.subarray(j, j + count));
  } else if (channels === 2) {
    for (let i = 0; i < count; i++, j += 2) out[i] = data[j]!;
  } else {
    for (let i = 0; i < count; i++, j += channels) {
      out[i] = (data[j]! * 19595 + data[j + 1]! * 38470 + data[j + 2]! * 7471 + 0x8000) >>> 16;
    }
  }
}

/** Decoded pixels, 8 bits per channel, rows top to bottom, channels interleaved. */
export type RawPixels = {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 = L, 2 = LA, 3 = RGB, 4 = RGBA. */
  channels: 1 | 2 | 3 | 4;
};

/** An 8-bit single-channel image (PIL mode "L"). */
export type LumaImage = {
  data: Uint8Array;
  width: number;
  height: number;
};

import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';

/**
 * Decoded 8-bit pixels, interleaved, row-major, no padding between rows.
 *
 * `channels`: 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. Alpha is ignored by PDQ, as in
 * the reference pipeline (which drops alpha rather than compositing it).
 */
export interface PixelBuffer {
  /** Interleaved samples, `width * height * channels` bytes. */
  readonly data: Uint8Array;
  /** Width in pixels (>= 1). */
  readonly width: number;
  /** Height in pixels (>= 1). */
  readonly height: number;
  /** Samples per pixel. */
  readonly channels: 1 | 2 | 3 | 4;
}

/** Throws `LG_ERR_INVALID_PIXELS` unless the buffer's size matches its declared shape. */
export function assertValidPixels(p: PixelBuffer): void {
  const { width, height, channels, data } = p;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    ![1, 2, 3, 4].includes(channels)
  ) {
    throw new LifeguardError(
      ErrorCodes.INVALID_PIXELS,
      `invalid pixel buffer shape ${width}x${height}x${channels}`,
      { width, height, channels },
    );
  }
  if (data.length !== width * height * channels) {
    throw new LifeguardError(
      ErrorCodes.INVALID_PIXELS,
      `pixel buffer has ${data.length} bytes, expected ${width * height * channels} for ${width}x${height}x${channels}`,
      { width, height, channels, bytes: data.length },
    );
  }
}

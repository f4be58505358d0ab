/** Limits applied to every decode. Untrusted uploads are hostile by default. */
export interface DecodeLimits {
  /** Maximum input size in bytes (default 64 MiB). */
  readonly maxBytes: number;
  /**
   * Maximum width x height the image may declare (default 100 megapixels). Checked from the
   * header before any pixel is decoded, so a tiny file claiming 50000x50000 is refused at once.
   */
  readonly maxInputPixels: number;
  /** Maximum wall time for one decode in milliseconds (default 30 s). */
  readonly timeoutMs: number;
}

/** Defaults for {@link DecodeLimits}: sane for photos from phones and cameras. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxInputPixels: 100_000_000,
  timeoutMs: 30_000,
});

/**
 * Bytes -> pixels for PDQ, with the reference pipeline's semantics (see
 * shared/pdq/README.md and docs/decisions/0001-pdq-decoding.md): decode to 8-bit samples the way
 * `convert FILE pnm:-` (ImageMagick) does, because the programs' hash lists were computed that
 * way:
 *
 * - EXIF orientation is ignored (sharp only rotates when asked).
 * - Alpha is dropped, not composited.
 * - No colour management: embedded ICC profiles are not applied (`keepIccProfile`), CMYK is
 *   converted with ImageMagick's naive formula R = (255 - C)(255 - K) / 255.
 * - Grey images stay grey (one channel); RGB images whose pixels are all grey are hashed as grey
 *   by core, as ImageMagick writes them as PGM.
 * - 16-bit samples are scaled to 8 bits (the reference keeps the low byte, a defect we do not
 *   reproduce).
 * - GIF and other multi-page formats: first frame.
 *
 * Speed: a JPEG whose sides both stay >= 512 after shrinking by 2, 4 or 8 is decoded with
 * libjpeg's shrink-on-load (DCT-domain downscaling) and sampled to 512x512 by libvips's nearest
 * neighbour, instead of decoding every pixel and keeping one in 16 or more. The reference
 * samples single pixels of the full image; here each sample is the mean of an s x s block near
 * the same place, which moves the hash by a few bits (tests bound it; `exact` turns this off).
 */
import sharp from 'sharp';
import { ErrorCodes, LifeguardError, type PixelBuffer } from '@lifeguard/core';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.config.js';

/** Options for {@link decodeForPdq}. */
export interface DecodeOptions {
  /** Limits (any subset; the rest default). */
  readonly limits?: Partial<DecodeLimits>;
  /**
   * Called once, synchronously, right after libvips starts decoding on its own thread: work
   * done here (the byte digests) overlaps the decode instead of delaying its start.
   */
  readonly whileDecoding?: () => void;
  /**
   * Decode at full resolution, never shrink-on-load: bit-identical to the reference wherever the
   * decoders agree, at a higher cost for large JPEGs. Default false.
   */
  readonly exact?: boolean;
}

/** Decoded pixels plus what was learnt about the source. */
export interface DecodedImage extends PixelBuffer {
  /** Container format as detected from the bytes (`jpeg`, `png`, `webp`, `gif`, `tiff`, ...). */
  readonly format: string;
  /** Width declared by the source. */
  readonly sourceWidth: number;
  /** Height declared by the source. */
  readonly sourceHeight: number;
  /** JPEG shrink-on-load factor requested (1 = none; libvips then samples to 512x512). */
  readonly shrink: 1 | 2 | 4 | 8;
}

const PDQ_DIM = 512;

/** Formats sharp reads in this build and that we accept. */
const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif']);

function mapSharpError(e: unknown, format: string | undefined): LifeguardError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/exceeds pixel limit/i.test(msg)) {
    return new LifeguardError(
      ErrorCodes.IMAGE_TOO_LARGE,
      'image exceeds the pixel limit',
      {},
      { cause: e },
    );
  }
  if (/timeout/i.test(msg)) {
    return new LifeguardError(
      ErrorCodes.DECODE_TIMEOUT,
      'image decode timed out',
      {},
      { cause: e },
    );
  }
  if (/unsupported image format/i.test(msg)) {
    return new LifeguardError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      'not a supported image format',
      {},
      { cause: e },
    );
  }
  // Everything else from libvips on a recognised format is a damaged file. The message names
  // only the format and the decoder's reason, never content.
  const reason = msg.split('\n')[0]!.slice(0, 200);
  return new LifeguardError(
    ErrorCodes.CORRUPT_IMAGE,
    `cannot decode ${format ?? 'image'}: ${reason}`,
    { format },
    { cause: e },
  );
}

/** JPEG shrink-on-load factor: the largest of 8, 4, 2 that keeps both sides >= 512. */
function jpegShrink(width: number, height: number): 1 | 2 | 4 | 8 {
  for (const s of [8, 4, 2] as const) {
    if (Math.ceil(width / s) >= PDQ_DIM && Math.ceil(height / s) >= PDQ_DIM) return s;
  }
  return 1;
}

/** ImageMagick's CMYK -> RGB: R = QuantumRange (1 - C)(1 - K), in 8-bit terms. */
function cmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; o < rgb.length; i += 4, o += 3) {
    const k = 255 - cmyk[i + 3]!;
    rgb[o] = Math.round(((255 - cmyk[i]!) * k) / 255);
    rgb[o + 1] = Math.round(((255 - cmyk[i + 1]!) * k) / 255);
    rgb[o + 2] = Math.round(((255 - cmyk[i + 2]!) * k) / 255);
  }
  return rgb;
}

/**
 * Decode image bytes into 8-bit pixels ready for PDQ. Throws a {@link LifeguardError}
 * (`LG_ERR_EMPTY_INPUT`, `LG_ERR_INPUT_TOO_LARGE`, `LG_ERR_IMAGE_TOO_LARGE`,
 * `LG_ERR_UNSUPPORTED_FORMAT`, `LG_ERR_CORRUPT_IMAGE`, `LG_ERR_DECODE_TIMEOUT`), never anything else
 * for bad input.
 */
export async function decodeForPdq(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const limits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
  if (bytes.length === 0)
    throw new LifeguardError(ErrorCodes.EMPTY_INPUT, 'input is empty (0 bytes)');
  if (bytes.length > limits.maxBytes) {
    throw new LifeguardError(
      ErrorCodes.INPUT_TOO_LARGE,
      `input is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit`,
      { bytes: bytes.length, maxBytes: limits.maxBytes },
    );
  }
  const sharpOpts: sharp.SharpOptions = {
    // Pixel limit enforced by libvips too, as a second line of defence behind the header check.
    limitInputPixels: limits.maxInputPixels,
    failOn: 'truncated',
    sequentialRead: true,
    pages: 1,
  };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, sharpOpts).metadata();
  } catch (e) {
    throw mapSharpError(e, undefined);
  }
  const format = meta.format ?? 'unknown';
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!SUPPORTED_FORMATS.has(format)) {
    throw new LifeguardError(ErrorCodes.UNSUPPORTED_FORMAT, `unsupported image format: ${format}`, {
      format,
    });
  }
  if (width < 1 || height < 1) {
    throw new LifeguardError(ErrorCodes.CORRUPT_IMAGE, `${format} declares no size`, { format });
  }
  if (width * height > limits.maxInputPixels) {
    throw new LifeguardError(
      ErrorCodes.IMAGE_TOO_LARGE,
      `${format} declares ${width}x${height} pixels, over the ${limits.maxInputPixels}-pixel limit`,
      { width, height, maxInputPixels: limits.maxInputPixels },
    );
  }
  const shrink =
    format === 'jpeg' && !options.exact && meta.space !== 'cmyk' ? jpegShrink(width, height) : 1;
  try {
    let img = sharp(bytes, sharpOpts)
      .timeout({ seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)) })
      .keepIccProfile();
    if (shrink > 1) {
      // libjpeg decodes at 1/shrink in the DCT domain, then libvips samples 512x512 by nearest
      // neighbour, so core's resize rule has nothing left to do. Resampling the shrunk image
      // in libvips rather than in core keeps the decoder's output (and its cost) small.
      img = img.resize(PDQ_DIM, PDQ_DIM, {
        fit: 'fill',
        kernel: 'nearest',
        fastShrinkOnLoad: true,
      });
    }
    if (meta.space === 'cmyk') {
      const decoding = img
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      options.whileDecoding?.();
      const { data, info } = await decoding;
      const n = info.width * info.height;
      return {
        data: cmykToRgb(data, n),
        width: info.width,
        height: info.height,
        channels: 3,
        format,
        sourceWidth: width,
        sourceHeight: height,
        shrink,
      };
    }
    const grey = meta.space === 'b-w' || meta.space === 'grey16';
    img = img.removeAlpha().toColourspace(grey ? 'b-w' : 'srgb');
    const decoding = img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    options.whileDecoding?.();
    const { data, info } = await decoding;
    const channels = info.channels;
    if (channels !== 1 && channels !== 3) {
      throw new LifeguardError(ErrorCodes.INTERNAL, `decoder returned ${channels} channels`);
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels,
      format,
      sourceWidth: width,
      sourceHeight: height,
      shrink,
    };
  } catch (e) {
    if (e instanceof LifeguardError) throw e;
    throw mapSharpError(e, format);
  }
}

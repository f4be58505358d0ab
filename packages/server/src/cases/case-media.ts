import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import sharp from 'sharp';

/** Longest side of the blurred preview, in pixels. */
const PREVIEW_SIZE = 320;

/**
 * The wellness preview of an image (issue 6): downscaled, greyscale and heavily blurred,
 * rendered by the server so the bytes a browser gets in `blurred` mode cannot be un-blurred
 * by the client. Only images (what sharp decodes); other media answers 415.
 */
export async function blurredPreview(bytes: Uint8Array, maxPixels: number): Promise<Buffer> {
  try {
    // A copy: the blob store may hand out a view into a larger buffer.
    return await sharp(Buffer.from(bytes), { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true })
      .greyscale()
      .blur(12)
      .jpeg({ quality: 60 })
      .toBuffer();
  } catch (e) {
    throw new LifeguardError(
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      'no blurred preview for this media (not a decodable image)',
      {},
      { cause: e },
    );
  }
}

/** Sniff an image content type from magic bytes (for serving a stored copy). */
export function sniffImageType(b: Uint8Array): string {
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46) return 'image/webp';
  return 'application/octet-stream';
}

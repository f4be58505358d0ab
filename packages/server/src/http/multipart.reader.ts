import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { FastifyRequest } from 'fastify';

/** An uploaded file and the text fields sent with it. */
export interface Upload {
  /** File bytes (held in memory only; never written to disk). */
  readonly bytes: Buffer;
  /** Text fields by name. */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Read a multipart request with exactly one file part named `file` and at most the text
 * fields in `allowedFields`. Anything else is refused with `LG_ERR_INVALID_REQUEST`; a file
 * over `maxBytes` with `LG_ERR_INPUT_TOO_LARGE` (the multipart parser stops reading at the
 * limit). A request that is not multipart gets `LG_ERR_UNSUPPORTED_MEDIA_TYPE`.
 */
export async function readUpload(
  request: FastifyRequest,
  maxBytes: number,
  allowedFields: readonly string[],
): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new LifeguardError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'expected multipart/form-data');
  }
  const fields: Record<string, string> = {};
  let bytes: Buffer | undefined;
  for await (const part of request.parts({
    limits: { fileSize: maxBytes, files: 1, fields: allowedFields.length, fieldSize: 64 * 1024 },
  })) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw new LifeguardError(
          ErrorCodes.INVALID_REQUEST,
          `unknown file field '${part.fieldname}'`,
        );
      }
      bytes = await part.toBuffer();
      if (part.file.truncated) {
        throw new LifeguardError(ErrorCodes.INPUT_TOO_LARGE, 'file is larger than the limit', {
          limit: maxBytes,
        });
      }
    } else {
      if (!allowedFields.includes(part.fieldname)) {
        throw new LifeguardError(ErrorCodes.INVALID_REQUEST, `unknown field '${part.fieldname}'`, {
          field: part.fieldname,
        });
      }
      fields[part.fieldname] = String(part.value);
    }
  }
  if (!bytes) throw new LifeguardError(ErrorCodes.INVALID_REQUEST, "missing file field 'file'");
  return { bytes, fields };
}

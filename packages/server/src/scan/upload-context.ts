import {
  checkUpload,
  ErrorCodes,
  LifeguardError,
  MAX_UPLOAD_DEVICES,
  type UploadContext,
} from '@lifeguard/core';

/**
 * The `upload` object of `POST /v1/scan` (JSON body, or a JSON text field before the file in
 * multipart): how the upload reached the platform. Kept on the case's hash-match signal, in
 * the evidence metadata and in the CyberTipline report; never logged, and error messages name
 * fields only.
 */
export const UPLOAD_CONTEXT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description:
    'How the upload reached the platform, when it knows: preserved with the evidence and ' +
    'reported to the CyberTipline as Upload IP capture events. Never logged.',
  properties: {
    ip: { type: 'string', maxLength: 45, description: "The uploader's IPv4 or IPv6 address" },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Source port' },
    at: {
      type: 'string',
      format: 'date-time',
      maxLength: 40,
      description: 'When the platform received the upload (with a time zone)',
    },
    possibleProxy: { type: 'boolean', description: 'The platform suspects a proxy or VPN' },
    devices: {
      type: 'array',
      maxItems: MAX_UPLOAD_DEVICES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['idType', 'idValue'],
        properties: {
          idType: { type: 'string', minLength: 1, maxLength: 255, description: 'IMEI, IDFA, …' },
          idValue: { type: 'string', minLength: 1, maxLength: 2083 },
        },
      },
    },
  },
} as const;

/** ISO-8601 date-time with a zone (`Z` or `±hh:mm`): a time without one is ambiguous. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const KEYS = new Set(['ip', 'port', 'at', 'possibleProxy', 'devices']);

function bad(issues: readonly string[]): LifeguardError {
  return new LifeguardError(ErrorCodes.INVALID_REQUEST, `invalid upload: ${issues.join('; ')}`, {
    issues: [...issues],
  });
}

/**
 * Parse and check an `upload` value (an object, or its JSON text from a multipart field).
 * @throws LifeguardError `LG_ERR_INVALID_REQUEST` naming the fields at fault
 */
export function parseUploadContext(raw: unknown, now: number = Date.now()): UploadContext {
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      throw bad(['upload: must be a JSON object']);
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw bad(['upload: must be a JSON object']);
  }
  const o = v as Record<string, unknown>;
  const issues: string[] = [];
  for (const k of Object.keys(o)) if (!KEYS.has(k)) issues.push(`upload.${k}: unknown field`);
  if (o.ip !== undefined && typeof o.ip !== 'string') issues.push('upload.ip: must be a string');
  if (o.port !== undefined && typeof o.port !== 'number') {
    issues.push('upload.port: must be an integer');
  }
  let at: number | undefined;
  if (o.at !== undefined) {
    at = typeof o.at === 'string' && DATE_TIME.test(o.at) ? Date.parse(o.at) : Number.NaN;
    if (Number.isNaN(at)) issues.push('upload.at: must be an ISO-8601 date-time with a zone');
    // NCMEC refuses times in the future; a day of clock skew is tolerated, more is an error.
    else if (at > now + 86_400_000) issues.push('upload.at: is in the future');
  }
  if (issues.length > 0) throw bad(issues);
  const ctx: UploadContext = {
    ...(o.ip !== undefined ? { ip: o.ip as string } : {}),
    ...(o.port !== undefined ? { port: o.port as number } : {}),
    ...(at !== undefined ? { at } : {}),
    ...(o.possibleProxy !== undefined ? { possibleProxy: o.possibleProxy as boolean } : {}),
    ...(o.devices !== undefined ? { devices: o.devices as UploadContext['devices'] } : {}),
  };
  checkUpload(ctx, 'upload', issues);
  if (Array.isArray(o.devices)) {
    o.devices.forEach((d: unknown, i) => {
      if (typeof d === 'object' && d !== null) {
        for (const k of Object.keys(d)) {
          if (k !== 'idType' && k !== 'idValue')
            issues.push(`upload.devices[${i}].${k}: unknown field`);
        }
      }
    });
  }
  if (issues.length > 0) throw bad(issues);
  if (Object.keys(ctx).length === 0) throw bad(['upload: is empty']);
  return ctx;
}

import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { isHash256Hex } from '../hashing/hash256.codec.js';
import {
  CASE_SEVERITIES,
  REPORT_REASONS,
  type CaseItem,
  type MediaRef,
  type UploadContext,
  type UploadDevice,
} from './case.model.js';
import { isIpAddress } from './ip-address.codec.js';
import { ReportText } from './report-text.model.js';

/** Longest report free text accepted, in UTF-16 code units. */
export const MAX_REPORT_TEXT = 4000;
/** Longest id (item, account, content, reporter) accepted. */
export const MAX_CASE_ID_LENGTH = 256;

const MD5 = /^[0-9a-fA-F]{32}$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;

function checkId(v: unknown, path: string, issues: string[]): void {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_CASE_ID_LENGTH) {
    issues.push(`${path}: must be a string of 1..${MAX_CASE_ID_LENGTH} characters`);
  }
}

function checkMedia(m: MediaRef, path: string, issues: string[]): void {
  if (
    m.contentId === undefined &&
    m.md5 === undefined &&
    m.sha256 === undefined &&
    m.pdq === undefined
  ) {
    issues.push(`${path}: needs a contentId or a hash`);
  }
  if (m.contentId !== undefined) checkId(m.contentId, `${path}.contentId`, issues);
  if (m.md5 !== undefined && !MD5.test(m.md5))
    issues.push(`${path}.md5: must be 32 hex characters`);
  if (m.sha256 !== undefined && !SHA256.test(m.sha256)) {
    issues.push(`${path}.sha256: must be 64 hex characters`);
  }
  if (m.pdq !== undefined && !isHash256Hex(m.pdq))
    issues.push(`${path}.pdq: must be 64 hex characters`);
}

function checkCount(v: number | undefined, path: string, issues: string[]): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
    issues.push(`${path}: must be a non-negative integer`);
  }
}

/** At most this many device ids per upload. */
export const MAX_UPLOAD_DEVICES = 10;

/**
 * Check what the platform said about an upload's origin. Messages name fields, never values
 * (an IP address is personal data and must not reach a log through an error message).
 */
export function checkUpload(u: UploadContext, path: string, issues: string[]): void {
  if (typeof u !== 'object' || u === null) {
    issues.push(`${path}: must be an object`);
    return;
  }
  if (u.ip !== undefined && (typeof u.ip !== 'string' || !isIpAddress(u.ip))) {
    issues.push(`${path}.ip: must be an IPv4 or IPv6 address`);
  }
  if (u.port !== undefined && !(Number.isInteger(u.port) && u.port >= 1 && u.port <= 65535)) {
    issues.push(`${path}.port: must be an integer in 1..65535`);
  }
  if (u.at !== undefined && !(Number.isSafeInteger(u.at) && u.at >= 0)) {
    issues.push(`${path}.at: must be epoch milliseconds`);
  }
  if (u.possibleProxy !== undefined && typeof u.possibleProxy !== 'boolean') {
    issues.push(`${path}.possibleProxy: must be a boolean`);
  }
  if (u.devices !== undefined) {
    if (!Array.isArray(u.devices) || u.devices.length > MAX_UPLOAD_DEVICES) {
      issues.push(`${path}.devices: must be a list of at most ${MAX_UPLOAD_DEVICES}`);
      return;
    }
    (u.devices as readonly unknown[]).forEach((raw, i) => {
      const d = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<UploadDevice>;
      const at = `${path}.devices[${i}]`;
      if (typeof d.idType !== 'string' || d.idType.length === 0 || d.idType.length > 255) {
        issues.push(`${at}.idType: must be a string of 1..255 characters`);
      }
      if (typeof d.idValue !== 'string' || d.idValue.length === 0 || d.idValue.length > 2083) {
        issues.push(`${at}.idValue: must be a string of 1..2083 characters`);
      }
    });
  }
}

/**
 * Check an item before it is folded or stored (the API maps the error to a 400 problem).
 * Issues name fields, never their values, so the error is log-safe even for report text.
 *
 * @throws LifeguardError `LG_ERR_INVALID_ARGUMENT` with `details.issues`
 */
export function validateCaseItem(item: CaseItem): void {
  const issues: string[] = [];
  checkId(item.id, 'id', issues);
  if (!Number.isSafeInteger(item.receivedAt) || item.receivedAt < 0) {
    issues.push('receivedAt: must be epoch milliseconds');
  }
  checkCount(item.reach?.views, 'reach.views', issues);
  checkCount(item.reach?.shares, 'reach.shares', issues);
  const s = item.source;
  switch (s.kind) {
    case 'hash_match':
      checkMedia(s.media, 'source.media', issues);
      if (s.uploader !== undefined) checkId(s.uploader, 'source.uploader', issues);
      if (s.upload !== undefined) checkUpload(s.upload, 'source.upload', issues);
      if (s.verdict !== 'block' && s.verdict !== 'review' && s.verdict !== 'allow') {
        issues.push('source.verdict: must be block, review or allow');
      }
      break;
    case 'risk_alert':
      checkId(s.account, 'source.account', issues);
      if (!(s.score >= 0 && s.score <= 1)) issues.push('source.score: must be in [0, 1]');
      s.minorsInContact.forEach((m, i) => checkId(m, `source.minorsInContact[${i}]`, issues));
      if (s.lastMinorContactAt !== undefined && !Number.isSafeInteger(s.lastMinorContactAt)) {
        issues.push('source.lastMinorContactAt: must be epoch milliseconds');
      }
      break;
    case 'user_report':
      checkId(s.reporter, 'source.reporter', issues);
      if (s.reportedContent === undefined && s.reportedAccount === undefined) {
        issues.push('source: a report needs reportedContent, reportedAccount or both');
      }
      if (s.reportedContent !== undefined)
        checkMedia(s.reportedContent, 'source.reportedContent', issues);
      if (s.reportedAccount !== undefined)
        checkId(s.reportedAccount, 'source.reportedAccount', issues);
      if (!REPORT_REASONS.includes(s.reason)) issues.push('source.reason: unknown reason');
      if (s.text !== undefined) {
        if (!(s.text instanceof ReportText))
          issues.push('source.text: must be wrapped in ReportText');
        else if (s.text.length > MAX_REPORT_TEXT) {
          issues.push(`source.text: longer than ${MAX_REPORT_TEXT} characters`);
        }
      }
      break;
    case 'manual':
      checkId(s.createdBy, 'source.createdBy', issues);
      if (!CASE_SEVERITIES.includes(s.severity)) issues.push('source.severity: unknown severity');
      if (s.media !== undefined) checkMedia(s.media, 'source.media', issues);
      if (s.account !== undefined) checkId(s.account, 'source.account', issues);
      break;
    default:
      issues.push('source.kind: must be hash_match, risk_alert, user_report or manual');
  }
  if (issues.length > 0) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid case item: ${issues.join('; ')}`,
      {
        issues,
      },
    );
  }
}

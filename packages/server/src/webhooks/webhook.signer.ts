import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Each request carries `Lifeguard-Timestamp` (Unix seconds) and
 * `Lifeguard-Signature: v1=<hex>` where hex is HMAC-SHA256(secret, `<timestamp>.<body>`) —
 * the scheme Stripe documents for its webhooks: binding the timestamp into the MAC lets a
 * receiver refuse replays of old requests, and the `v1=` prefix leaves room for key rotation.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Verify a webhook as a receiver should: constant-time comparison, and a timestamp within
 * `toleranceSeconds` of `now` (default 5 minutes).
 */
export function verifyWebhook(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  now = Date.now(),
  toleranceSeconds = 300,
): boolean {
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(now / 1000 - ts) > toleranceSeconds) return false;
  const want = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

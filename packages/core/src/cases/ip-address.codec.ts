/*
 * IP address text forms, checked without node:net so core stays free of platform modules.
 * IPv4: RFC 791 dotted quad in decimal, no leading zeros (RFC 6943 §3.1.1: leading zeros are
 * ambiguous, octal in some parsers). IPv6: RFC 4291 §2.2 (eight groups of 1..4 hex digits,
 * one `::`, an embedded IPv4 tail); zone ids (`%eth0`) are refused: they mean nothing off
 * the host that captured them.
 */

const V4_OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const V6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** True for an IPv4 dotted quad such as `192.0.2.10`. */
export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => V4_OCTET.test(p));
}

/** True for an IPv6 address in any RFC 4291 text form (`2001:db8::1`, `::ffff:192.0.2.1`). */
export function isIpv6(s: string): boolean {
  if (s.length > 45 || s.length < 2) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (h: string): string[] | undefined => (h === '' ? [] : h.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = all.length;
  // An IPv4 tail counts as two groups and may only come last.
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIpv4(last)) return false;
    all.pop();
    count += 1;
  }
  if (!all.every((g) => V6_GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** True for an IPv4 or IPv6 address in text form. */
export function isIpAddress(s: string): boolean {
  return s.includes(':') ? isIpv6(s) : isIpv4(s);
}

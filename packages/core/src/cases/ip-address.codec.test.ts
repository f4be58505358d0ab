import { describe, expect, it } from 'vitest';
import { checkUpload } from './case-item.validator.js';
import { isIpAddress, isIpv4, isIpv6 } from './ip-address.codec.js';

describe('IP address text forms', () => {
  it('accepts IPv4 dotted quads and refuses the rest', () => {
    for (const ok of ['192.0.2.10', '0.0.0.0', '255.255.255.255', '198.51.100.7']) {
      expect(isIpv4(ok), ok).toBe(true);
    }
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.a', '', '1..2.3']) {
      expect(isIpv4(bad), bad).toBe(false);
    }
  });

  it('accepts RFC 4291 IPv6 forms and refuses malformed ones', () => {
    for (const ok of [
      '2001:db8::1',
      '::',
      '::1',
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
      '::ffff:192.0.2.1',
      'fe80::',
      '2001:db8:0:0:1:0:0:1',
    ]) {
      expect(isIpv6(ok), ok).toBe(true);
    }
    for (const bad of [
      '2001:db8::1::2',
      ':1',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '2001:db8::g',
      'fe80::1%eth0',
      '::ffff:300.0.2.1',
      '1:2:3:4:5:6:7:8::',
    ]) {
      expect(isIpv6(bad), bad).toBe(false);
    }
    expect(isIpAddress('203.0.113.5')).toBe(true);
    expect(isIpAddress('2001:db8::5')).toBe(true);
    expect(isIpAddress('example.org')).toBe(false);
  });

  it('checks an upload context field by field, naming fields and never values', () => {
    const issues: string[] = [];
    checkUpload(
      {
        ip: '203.0.113.999',
        port: 0,
        at: -1,
        devices: [{ idType: '', idValue: 'x' }],
      },
      'upload',
      issues,
    );
    expect(issues).toEqual([
      'upload.ip: must be an IPv4 or IPv6 address',
      'upload.port: must be an integer in 1..65535',
      'upload.at: must be epoch milliseconds',
      'upload.devices[0].idType: must be a string of 1..255 characters',
    ]);
    expect(issues.join(' ')).not.toContain('203.0.113');
    const fine: string[] = [];
    checkUpload(
      { ip: '2001:db8::7', port: 443, at: 1_700_000_000_000, possibleProxy: true },
      'upload',
      fine,
    );
    expect(fine).toEqual([]);
  });
});

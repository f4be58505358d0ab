import { describe, expect, it } from 'vitest';
import { formatDuration, humanise, slaLabel } from './format.util.js';

describe('console formatting', () => {
  it('formats durations at each scale', () => {
    expect(formatDuration(44_600)).toBe('45 s');
    expect(formatDuration(12 * 60_000 + 5000)).toBe('12 min');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 05 min');
    expect(formatDuration(52 * 3_600_000)).toBe('2 d 4 h');
  });

  it('labels SLA clocks as due or breached', () => {
    expect(slaLabel(10 * 60_000, 0)).toEqual({ text: 'due in 10 min', breached: false });
    expect(slaLabel(0, 90_000)).toEqual({ text: 'breached 1 min ago', breached: true });
    expect(slaLabel(null, 0).text).toBe('no SLA');
    expect(slaLabel('2026-01-01T01:00:00.000Z', Date.parse('2026-01-01T00:30:00Z')).text).toBe(
      'due in 30 min',
    );
    expect(humanise('verified_csam')).toBe('verified CSAM');
  });
});

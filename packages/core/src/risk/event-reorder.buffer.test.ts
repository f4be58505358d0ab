import { describe, expect, it } from 'vitest';
import { DedupWindow } from './dedup.window.js';
import { EventReorderBuffer } from './event-reorder.buffer.js';
import type { RiskEvent } from './risk-event.model.js';

const ev = (atMs: number, id: string): RiskEvent => ({
  type: 'block',
  from: 'a',
  to: 'b',
  at: '',
  atMs,
  id,
});

describe('EventReorderBuffer', () => {
  it('restores time order within the lateness and keeps arrival order for ties', () => {
    const b = new EventReorderBuffer(10);
    const out: string[] = [];
    const emit = (e: RiskEvent) => out.push(e.id!);
    for (const e of [ev(5, 'a'), ev(3, 'b'), ev(5, 'c'), ev(12, 'd'), ev(20, 'e')]) b.push(e, emit);
    // At 20 everything <= 10 is due: b(3), a(5), c(5).
    expect(out).toEqual(['b', 'a', 'c']);
    b.flush(emit);
    expect(out).toEqual(['b', 'a', 'c', 'd', 'e']);
    expect(b.late).toBe(0);
    expect(b.peakHeld).toBe(5);
  });

  it('releases events older than what was already released at once and counts them', () => {
    const b = new EventReorderBuffer(0);
    const out: string[] = [];
    const emit = (e: RiskEvent) => out.push(e.id!);
    b.push(ev(10, 'a'), emit);
    b.push(ev(5, 'b'), emit);
    expect(out).toEqual(['a', 'b']);
    expect(b.late).toBe(1);
  });
});

describe('DedupWindow', () => {
  it('remembers ids within the horizon and forgets older ones', () => {
    const d = new DedupWindow(100, 10);
    expect(d.seen('x', 0)).toBe(false);
    expect(d.seen('x', 50)).toBe(true);
    expect(d.seen('y', 200)).toBe(false);
    expect(d.size).toBe(1);
    expect(d.seen('x', 201)).toBe(false);
  });

  it('caps the number of ids', () => {
    const d = new DedupWindow(1e12, 3);
    for (const id of ['a', 'b', 'c', 'd']) d.seen(id, 1);
    expect(d.size).toBe(3);
    expect(d.seen('a', 1)).toBe(false);
  });
});

describe('EventReorderBuffer against a full sort', () => {
  it('emits exactly a stable sort by time when disorder stays within the lateness', () => {
    let x = 12345;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let run = 0; run < 20; run++) {
      const events: RiskEvent[] = [];
      let t = 0;
      for (let i = 0; i < 3000; i++) {
        t += Math.floor(rnd() * 10);
        // Up to 50 ms of jitter with a lateness of 60: always restorable.
        events.push(ev(Math.max(0, t - Math.floor(rnd() * 50)), String(i)));
      }
      const b = new EventReorderBuffer(60);
      const out: RiskEvent[] = [];
      for (const e of events) b.push(e, (y) => out.push(y));
      b.flush((y) => out.push(y));
      const sorted = [...events].sort((p, q) => p.atMs - q.atMs);
      expect(out.map((e) => e.id)).toEqual(sorted.map((e) => e.id));
      expect(b.late).toBe(0);
      expect(b.size).toBe(0);
    }
  });
});

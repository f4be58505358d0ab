import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ProgressBar } from './progress.js';

function stream(
  isTTY: boolean,
): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const parts: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(chunk.toString());
      cb();
    },
  });
  return Object.assign(w, { isTTY, columns: 100, text: () => parts.join('') });
}

describe('ProgressBar', () => {
  it('draws a bar with counts on a TTY and clears it at the end', () => {
    vi.useFakeTimers();
    const s = stream(true);
    const bar = new ProgressBar(s, 10, 'hashing');
    vi.advanceTimersByTime(1000);
    bar.tick(5);
    expect(s.text()).toMatch(/hashing \[#+\.+\] 5\/10 /);
    bar.finish();
    expect(s.text().endsWith('\r\x1b[2K')).toBe(true);
    vi.useRealTimers();
  });

  it('writes nothing when the stream is not a TTY', () => {
    const s = stream(false);
    const bar = new ProgressBar(s, 10, 'hashing');
    bar.tick(10);
    bar.finish();
    expect(s.text()).toBe('');
  });
});

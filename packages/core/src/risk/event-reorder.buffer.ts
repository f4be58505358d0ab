import type { RiskEvent } from './risk-event.model.js';

/**
 * Restores time order in a nearly sorted stream: events are held until the newest time seen
 * is `latenessMs` past them, then released oldest first (ties in arrival order). Memory is
 * the events inside the lateness window, not the whole stream. An event arriving later than
 * that is released at once and counted in `late`; the engine then applies it at its
 * account's latest time (see RiskEngine.ingest).
 */
export class EventReorderBuffer {
  private readonly heap: Array<{ e: RiskEvent; seq: number }> = [];
  // The FIFO holds events and their arrival numbers in two arrays: no wrapper object per event
  // on the common path.
  private readonly fifo: RiskEvent[] = [];
  private readonly fifoSeq: number[] = [];
  private fifoHead = 0;
  private seq = 0;
  private maxSeen = -Infinity;
  private released = -Infinity;
  /** Events that arrived after events newer than them had already been released. */
  late = 0;
  /** Largest number of events held at once (memory high-water mark). */
  peakHeld = 0;

  /** @param latenessMs how far behind the newest event an event may arrive and still be sorted */
  constructor(readonly latenessMs: number) {}

  /** Add an event; calls `emit` for every event that is now due, in time order. */
  push(e: RiskEvent, emit: (e: RiskEvent) => void): void {
    if (e.atMs < this.released) {
      this.late++;
      emit(e);
      return;
    }
    // Fast path for the common, already-sorted case: in-order events go to a FIFO that is
    // sorted by construction; only out-of-order ones pay for the heap.
    if (e.atMs >= this.maxSeen) {
      this.fifo.push(e);
      this.fifoSeq.push(this.seq++);
    } else this.insert({ e, seq: this.seq++ });
    const held = this.size;
    if (held > this.peakHeld) this.peakHeld = held;
    if (e.atMs > this.maxSeen) this.maxSeen = e.atMs;
    const due = this.maxSeen - this.latenessMs;
    for (;;) {
      const t = this.nextTime();
      if (t === undefined || t > due) break;
      emit(this.take());
    }
  }

  /** Release everything still held (end of input). */
  flush(emit: (e: RiskEvent) => void): void {
    while (this.nextTime() !== undefined) emit(this.take());
  }

  /** Events currently held. */
  get size(): number {
    return this.heap.length + this.fifo.length - this.fifoHead;
  }

  /** Time of the next event in time order (FIFO head or heap top), or undefined if empty. */
  private nextTime(): number | undefined {
    const f = this.fifo[this.fifoHead];
    const h = this.heap[0];
    if (f === undefined) return h?.e.atMs;
    return h === undefined || f.atMs < h.e.atMs ? f.atMs : h.e.atMs;
  }

  /** Remove and return the next event in time order (ties by arrival). */
  private take(): RiskEvent {
    const f = this.fifo[this.fifoHead];
    const h = this.heap[0];
    if (
      f !== undefined &&
      (h === undefined ||
        f.atMs < h.e.atMs ||
        (f.atMs === h.e.atMs && (this.fifoSeq[this.fifoHead] as number) < h.seq))
    ) {
      this.fifoHead++;
      // Compact now and then so the FIFO arrays do not grow with the stream.
      if (this.fifoHead > 4096 && this.fifoHead * 2 > this.fifo.length) {
        this.fifo.splice(0, this.fifoHead);
        this.fifoSeq.splice(0, this.fifoHead);
        this.fifoHead = 0;
      }
      this.released = f.atMs;
      return f;
    }
    return this.pop();
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.e.atMs < b.e.atMs || (a.e.atMs === b.e.atMs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
  }

  private insert(x: { e: RiskEvent; seq: number }): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private pop(): RiskEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    this.released = top.e.atMs;
    return top.e;
  }
}

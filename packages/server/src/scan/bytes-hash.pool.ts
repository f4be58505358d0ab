import { Worker } from 'node:worker_threads';
import { ErrorCodes, LifeguardError, type ErrorCode } from '@lifeguard/core';
import type { HashOptions, ImageHashes } from '@lifeguard/media';
import type { BytesHashReply } from './bytes-hash.worker.js';

interface Job {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly resolve: (r: ImageHashes) => void;
  readonly reject: (e: LifeguardError) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * A pool of worker threads that hash image bytes held in memory (uploads, fetched URLs);
 * `@lifeguard/media`'s `HashPool` hashes files, and uploads are never written to disk. Each
 * worker takes one image at a time; the rest wait in a bounded FIFO queue, and beyond
 * `maxQueued` new work is refused with `LG_ERR_UNAVAILABLE` (HTTP 503) rather than letting
 * memory grow without bound. A worker that dies is replaced; its image fails with
 * `LG_ERR_INTERNAL`.
 */
export class BytesHashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * @param size worker threads
   * @param maxQueued images allowed to wait for a worker
   * @param options hashing options (decode limits)
   */
  constructor(
    readonly size: number,
    private readonly maxQueued: number,
    private readonly options: HashOptions,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Images waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Images being hashed now. */
  get active(): number {
    return this.slots.filter((s) => s.job !== undefined).length;
  }

  private spawn(): Slot {
    const slot: Slot = {
      worker: new Worker(new URL('./bytes-hash.worker.js', import.meta.url), {
        workerData: this.options,
      }),
      job: undefined,
    };
    slot.worker.on('message', (reply: BytesHashReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      slot.job = undefined;
      if (reply.ok) job.resolve(reply.result);
      else job.reject(new LifeguardError(reply.code as ErrorCode, reply.message));
      this.pump();
    });
    slot.worker.on('error', () => this.replace(slot));
    slot.worker.on('exit', () => {
      if (!this.closed) this.replace(slot);
    });
    return slot;
  }

  private replace(slot: Slot): void {
    const job = slot.job;
    slot.job = undefined;
    job?.reject(new LifeguardError(ErrorCodes.INTERNAL, 'hash worker failed'));
    if (this.closed) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0 && this.slots[i] === slot) {
      slot.worker.removeAllListeners();
      void slot.worker.terminate();
      this.slots[i] = this.spawn();
      this.pump();
    }
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job !== undefined) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      // Transfer the buffer when it owns its memory; otherwise the structured clone copies.
      const own =
        job.bytes.byteOffset === 0 && job.bytes.byteLength === job.bytes.buffer.byteLength;
      slot.worker.postMessage(
        { id: job.id, bytes: job.bytes },
        own && job.bytes.buffer instanceof ArrayBuffer ? [job.bytes.buffer] : [],
      );
    }
  }

  /** Hash `bytes` on a worker. Rejects with a {@link LifeguardError}. */
  hash(bytes: Uint8Array): Promise<ImageHashes> {
    if (this.closed) {
      return Promise.reject(new LifeguardError(ErrorCodes.UNAVAILABLE, 'hash pool is closed'));
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new LifeguardError(ErrorCodes.UNAVAILABLE, 'too many images waiting to be hashed', {
          queued: this.queue.length,
        }),
      );
    }
    return new Promise<ImageHashes>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Stop every worker (waiting work is refused). */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) {
      j.reject(new LifeguardError(ErrorCodes.UNAVAILABLE, 'server is shutting down'));
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, LifeguardError, type ErrorCode } from '@lifeguard/core';
import type { HashReply } from './hash.worker.js';
import type { HashOptions, ImageHashes } from './media.hasher.js';

type Input = { readonly path: string } | { readonly bytes: Uint8Array };

interface Job {
  readonly id: number;
  readonly input: Input;
  readonly resolve: (r: ImageHashes) => void;
  readonly reject: (e: LifeguardError) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * A pool of worker threads hashing images (files, or bytes held in memory such as uploads,
 * which are never written to disk), one worker per core by default. Each worker takes one
 * image at a time; the rest wait in a FIFO queue, and beyond `maxQueued` new work is refused
 * with `LG_ERR_UNAVAILABLE` rather than letting memory grow without bound. A worker that dies
 * is replaced; its image fails with `LG_ERR_INTERNAL` and the rest go on.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * @param size worker threads (default: available cores)
   * @param options hashing options applied to every image
   * @param maxQueued images allowed to wait for a worker (default: unbounded)
   */
  constructor(
    readonly size: number = availableParallelism(),
    private readonly options: HashOptions = {},
    private readonly maxQueued: number = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `pool size must be a positive integer, got ${size}`,
      );
    }
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

  /** Read and hash a file on a worker. Rejects with a {@link LifeguardError}. */
  hashFile(path: string): Promise<ImageHashes> {
    return this.submit({ path });
  }

  /**
   * Hash image bytes on a worker. A buffer that owns its whole `ArrayBuffer` is transferred
   * (the caller must not use it afterwards); a view into a larger buffer is copied.
   */
  hashBytes(bytes: Uint8Array): Promise<ImageHashes> {
    return this.submit({ bytes });
  }

  /** Stop every worker; waiting work is refused with `LG_ERR_UNAVAILABLE`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) {
      j.reject(new LifeguardError(ErrorCodes.UNAVAILABLE, 'hash pool is shutting down'));
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private submit(input: Input): Promise<ImageHashes> {
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
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Slot {
    const slot: Slot = {
      worker: new Worker(new URL('./hash.worker.js', import.meta.url), {
        workerData: this.options,
      }),
      job: undefined,
    };
    slot.worker.on('message', (reply: HashReply) => {
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
    if (i >= 0) {
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
      if ('path' in job.input) {
        slot.worker.postMessage({ id: job.id, path: job.input.path });
        continue;
      }
      const { bytes } = job.input;
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      slot.worker.postMessage(
        { id: job.id, bytes },
        own && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [],
      );
    }
  }
}

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, LifeguardError, type ErrorCode } from '@lifeguard/core';
import type { HashReply } from './hash.worker.js';
import type { HashOptions, ImageHashes } from './media.hasher.js';

interface Pending {
  readonly resolve: (r: ImageHashes) => void;
  readonly reject: (e: LifeguardError) => void;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
}

/**
 * A pool of worker threads hashing files in parallel, one per core by default. Each worker
 * keeps a bounded number of files in flight so that reading the next file overlaps decoding
 * the current one. A worker that dies is replaced; its in-flight files fail with
 * `LG_ERR_INTERNAL` and the rest go on.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * @param size number of workers (default: available cores)
   * @param options hashing options applied to every file
   */
  constructor(
    readonly size: number = availableParallelism(),
    private readonly options: HashOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `pool size must be a positive integer, got ${size}`,
      );
    }
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = {
      worker: new Worker(new URL('./hash.worker.js', import.meta.url), {
        workerData: this.options,
      }),
      pending: new Map(),
    };
    slot.worker.on('message', (reply: HashReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new LifeguardError(reply.code as ErrorCode, reply.message));
    });
    slot.worker.on('error', (e) => this.fail(slot, e));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, new Error(`hash worker exited with code ${code}`));
    });
    return slot;
  }

  private fail(slot: Slot, e: Error): void {
    for (const p of slot.pending.values()) {
      p.reject(new LifeguardError(ErrorCodes.INTERNAL, `hash worker failed: ${e.message}`));
    }
    slot.pending.clear();
    if (this.closed) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0) {
      void slot.worker.terminate();
      this.slots[i] = this.spawn();
    }
  }

  /** Hash one file on the least busy worker. Rejects with a {@link LifeguardError}. */
  hash(path: string): Promise<ImageHashes> {
    if (this.closed)
      return Promise.reject(new LifeguardError(ErrorCodes.INTERNAL, 'pool is closed'));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<ImageHashes>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, path });
    });
  }

  /** Stop every worker (in-flight work is abandoned). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * Worker-thread entry for {@link HashPool}: hashes files sent by the parent. libvips is limited
 * to one thread here, so that N workers use N cores without oversubscribing them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isLifeguardError } from '@lifeguard/core';
import sharp from 'sharp';
import { hashImageFile, type HashOptions } from './media.hasher.js';

/** A request from the pool. */
export interface HashRequest {
  readonly id: number;
  readonly path: string;
}

/** A reply to the pool. */
export type HashReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly result: Awaited<ReturnType<typeof hashImageFile>>;
    }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

sharp.concurrency(1);
const options = workerData as HashOptions;
const port = parentPort;
if (!port) throw new Error('hash.worker must run in a worker thread');

port.on('message', (req: HashRequest) => {
  hashImageFile(req.path, options).then(
    (result) => port.postMessage({ id: req.id, ok: true, result } satisfies HashReply),
    (e: unknown) => {
      const reply: HashReply = isLifeguardError(e)
        ? { id: req.id, ok: false, code: e.code, message: e.message }
        : {
            id: req.id,
            ok: false,
            code: 'LG_ERR_INTERNAL',
            message: e instanceof Error ? e.message : String(e),
          };
      port.postMessage(reply);
    },
  );
});

/**
 * Worker-thread entry of {@link HashPool}: hashes an image file or image bytes sent by the
 * pool, so that decoding never runs on the caller's event loop. libvips is limited to one
 * thread per worker, so that N workers use N cores without oversubscribing them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isLifeguardError } from '@lifeguard/core';
import sharp from 'sharp';
import { hashImage, hashImageFile, type HashOptions, type ImageHashes } from './media.hasher.js';

/** A request from the pool: a file to read, or bytes (transferred, not copied). */
export type HashRequest =
  | { readonly id: number; readonly path: string }
  | { readonly id: number; readonly bytes: Uint8Array };

/** A reply to the pool. */
export type HashReply =
  | { readonly id: number; readonly ok: true; readonly result: ImageHashes }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

sharp.concurrency(1);
const options = workerData as HashOptions;
const port = parentPort;
if (!port) throw new Error('hash.worker must run in a worker thread');

port.on('message', (req: HashRequest) => {
  const work = 'path' in req ? hashImageFile(req.path, options) : hashImage(req.bytes, options);
  work.then(
    (result) => port.postMessage({ id: req.id, ok: true, result } satisfies HashReply),
    (e: unknown) => {
      // Only typed errors carry a message out: an unexpected one could quote anything.
      const reply: HashReply = isLifeguardError(e)
        ? { id: req.id, ok: false, code: e.code, message: e.message }
        : { id: req.id, ok: false, code: 'LG_ERR_INTERNAL', message: 'hashing failed' };
      port.postMessage(reply);
    },
  );
});

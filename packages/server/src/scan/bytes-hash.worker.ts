/**
 * Worker-thread entry of {@link BytesHashPool}: hashes image bytes sent by the server, so
 * that decoding never runs on the event loop. libvips is limited to one thread per worker
 * so N workers use N cores without oversubscribing them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isLifeguardError } from '@lifeguard/core';
import { hashImage, type HashOptions, type ImageHashes } from '@lifeguard/media';
import sharp from 'sharp';

/** A request from the pool; `bytes` is transferred, not copied. */
export interface BytesHashRequest {
  /** Correlation id. */
  readonly id: number;
  /** The image. */
  readonly bytes: Uint8Array;
}

/** A reply to the pool. */
export type BytesHashReply =
  | { readonly id: number; readonly ok: true; readonly result: ImageHashes }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

sharp.concurrency(1);
const options = workerData as HashOptions;
const port = parentPort;
if (!port) throw new Error('bytes-hash.worker must run in a worker thread');

port.on('message', (req: BytesHashRequest) => {
  hashImage(req.bytes, options).then(
    (result) => port.postMessage({ id: req.id, ok: true, result } satisfies BytesHashReply),
    (e: unknown) => {
      const reply: BytesHashReply = isLifeguardError(e)
        ? { id: req.id, ok: false, code: e.code, message: e.message }
        : {
            id: req.id,
            ok: false,
            code: 'LG_ERR_INTERNAL',
            message: 'hashing failed',
          };
      port.postMessage(reply);
    },
  );
});

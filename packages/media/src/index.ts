/**
 * @lifeguard/media — bytes to pixels (sharp for images) and the hashes Lifeguard computes from
 * them. Never logs media bytes.
 */
export * from './limits.config.js';
export * from './image.decoder.js';
export * from './media.hasher.js';
export * from './hash.pool.js';

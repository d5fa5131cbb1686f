import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface BlobTap {
  /** Bytes seen so far. */
  bytes(): number;
  /** Call once, after the stream has ended. */
  digest(): string;
}

/**
 * Hashes and counts what flows through `source` without standing in its way: a second 'data' listener
 * beside whatever consumes it (the upload's pipe), so a streamed blob is verified with no extra stream hop
 * and never held whole. The source is left paused; piping it starts the flow, for both listeners at once.
 */
export function tapDigest(source: Readable, onChunk?: (n: number) => void): BlobTap {
  const hash = createHash('sha256');
  let count = 0;
  source.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    count += chunk.length;
    onChunk?.(chunk.length);
  });
  // Explicitly paused: the listener above must not start the flow before the consumer is attached.
  source.pause();
  return { bytes: () => count, digest: () => `sha256:${hash.digest('hex')}` };
}

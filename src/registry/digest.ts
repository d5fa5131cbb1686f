import { createHash } from 'node:crypto';

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface HashingStream {
  readonly stream: TransformStream<Uint8Array, Uint8Array>;
  /** Bytes seen so far. */
  bytes(): number;
  /** Call once, after the stream has ended. */
  digest(): string;
}

/** A pass-through stream that hashes and counts what flows, so a streamed blob is verified without buffering it. */
export function hashingStream(onChunk?: (n: number) => void): HashingStream {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      bytes += chunk.byteLength;
      onChunk?.(chunk.byteLength);
      controller.enqueue(chunk);
    },
  });
  return { stream, bytes: () => bytes, digest: () => `sha256:${hash.digest('hex')}` };
}

import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Buffering between a blob's source socket and its upload socket: a few socket reads' worth. */
const LAYER_HIGH_WATER_MARK = 1 << 20;

/** A pass-through Node stream that hashes and counts what flows, so a streamed blob is verified without buffering it. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  private count = 0;
  constructor(private readonly onChunk?: (n: number) => void) {
    super({ highWaterMark: LAYER_HIGH_WATER_MARK });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    this.onChunk?.(chunk.length);
    done(null, chunk);
  }
  /** Bytes seen so far. */
  bytes(): number {
    return this.count;
  }
  /** Call once, after the stream has ended. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

import type { CopyProgress } from '../registry/types';
import type { Logger } from '../util/log';

export interface CopyProgressReporter {
  update(dst: string, p: CopyProgress): void;
  done(dst: string): void;
  /** Clears the live line so later output starts on a clean line */
  finish(): void;
  /** Writes a log line without tearing the live line */
  write(line: string): void;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/**
 * Copy progress on stderr: one live, rewritten line when stderr is a terminal; otherwise nothing
 * beyond the per-image log lines, so CI logs stay readable.
 */
export function copyProgress(stream: { isTTY?: boolean; write(s: string): unknown }, log: () => Logger): CopyProgressReporter {
  if (!stream.isTTY) {
    return { update: () => undefined, done: (dst) => log().debug('copy finished', { dst }), finish: () => undefined, write: (line) => stream.write(line) };
  }
  const active = new Map<string, CopyProgress>();
  let finished = 0;
  let drawn = false;
  let last = 0;
  const draw = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let blobsDone = 0;
    let blobsTotal = 0;
    let bytes = 0;
    for (const p of active.values()) {
      blobsDone += p.blobsDone;
      blobsTotal += p.blobsTotal;
      bytes += p.bytesDone;
    }
    stream.write(`\r\x1b[Kcopying: ${finished} done, ${active.size} in progress, blobs ${blobsDone}/${blobsTotal}, ${mb(bytes)}`);
    drawn = true;
  };
  return {
    update(dst, p) {
      active.set(dst, p);
      draw();
    },
    done(dst) {
      active.delete(dst);
      finished++;
      draw(true);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
    write(line) {
      const redraw = drawn;
      if (drawn) stream.write('\r\x1b[K');
      stream.write(line);
      if (redraw) draw(true);
    },
  };
}

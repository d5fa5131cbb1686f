/**
 * Process stdin/stdout for the CLI: whole-stream reads, a probe that tells whether stdin holds data without
 * blocking on a terminal, and stdout writes that resolve only once written (EPIPE and ENOSPC become errors).
 */
import { fstatSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** How long a pipe may stay silent before -mappings-only takes it for "no input" (kpt writes at once). */
const PIPE_GRACE_MS = 300;
/** At the end, a pipe that is still open gets this much longer to show data or close. */
const FINAL_GRACE_MS = 1000;

export class StdinProbe {
  private seen = false;
  private ended = false;
  private listening = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly stream: Readable & { isTTY?: boolean } = process.stdin,
    private readonly fd = 0,
  ) {}

  /** 'none' when stdin cannot carry data (terminal, /dev/null, closed), 'file' with its size, or 'pipe'. */
  private kind(): { kind: 'none' } | { kind: 'file'; size: number } | { kind: 'pipe' } {
    if (this.stream.isTTY) return { kind: 'none' };
    try {
      const st = fstatSync(this.fd);
      if (st.isFile()) return { kind: 'file', size: st.size };
      if (st.isFIFO() || st.isSocket()) return { kind: 'pipe' };
      return { kind: 'none' };
    } catch {
      return { kind: 'none' };
    }
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    const wake = (): void => {
      for (const w of this.waiters.splice(0)) w();
    };
    // The bytes are discarded: this is only used when no manifests are read (-mappings-only).
    this.stream.on('data', (chunk: Buffer | string) => {
      if (chunk.length > 0) this.seen = true;
      wake();
    });
    this.stream.on('end', () => {
      this.ended = true;
      wake();
    });
    this.stream.on('error', () => {
      this.ended = true;
      wake();
    });
  }

  /** True once stdin has shown any byte; waits up to `graceMs` on a silent open pipe. */
  async hasData(graceMs = PIPE_GRACE_MS): Promise<boolean> {
    const k = this.kind();
    if (k.kind === 'none') return false;
    if (k.kind === 'file') return k.size > 0;
    this.listen();
    if (this.seen || this.ended) return this.seen;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.seen;
  }

  /** The final check before printing nothing. */
  finalCheck(): Promise<boolean> {
    return this.hasData(FINAL_GRACE_MS);
  }

  /** Lets the process exit while a pipe is still open. */
  release(): void {
    if (this.listening && !this.ended) this.stream.destroy();
  }
}

// Bytes, not a string: readInput refuses invalid UTF-8 instead of letting it become U+FFFD.
export async function readAll(stream: Readable = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Resolves when `text` is handed to the OS; rejects with the write error (EPIPE, ENOSPC), never throws later. */
export function writeAll(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (text === '') return resolve();
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

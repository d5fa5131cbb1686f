/** Just enough ustar for the mappings image: deterministic writing (mtime 0, uid/gid 0) and reading regular files. */
const BLOCK = 512;

function field(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  field(h, 0, 100, name);
  field(h, 100, 8, octal(0o644, 8));
  field(h, 108, 8, octal(0, 8));
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(0, 12));
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  field(h, 156, 1, '0');
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

export interface TarEntry {
  name: string;
  data: Buffer;
}

/** Files in the given order, then the two zero blocks that end an archive. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e.name, e.data.length), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function readSize(h: Buffer): number {
  const raw = h.subarray(124, 136);
  // GNU base-256 for sizes that do not fit in octal.
  if ((raw[0] ?? 0) & 0x80) return raw.subarray(1).reduce((n, b) => n * 256 + b, 0);
  return parseInt(raw.toString('ascii').replace(/[\0 ]/g, '') || '0', 8);
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end < 0 ? buf.length : end).toString('utf8');
}

/** Regular files of an archive (PAX and GNU long-name records honoured for names, other types skipped). */
export function readTar(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + BLOCK <= tar.length) {
    const h = tar.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = readSize(h);
    const type = String.fromCharCode(h[156] ?? 0);
    const data = tar.subarray(pos + BLOCK, pos + BLOCK + size);
    if (data.length < size) throw new Error('tar: truncated archive');
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    const prefix = cString(h.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/${cString(h.subarray(0, 100))}` : cString(h.subarray(0, 100)));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') out.push({ name, data: Buffer.from(data) });
  }
  return out;
}

/**
 * Bytes to text for the YAML reader: UTF-8 only. Invalid bytes are refused with
 * their document and line, never replaced by U+FFFD (which kpt or helm would
 * then write back into the user's file). UTF-16 and UTF-32 are named, so a file
 * saved by Windows PowerShell gets a message that says what it is.
 */
import { isUtf8 } from 'node:buffer';
import { ManifestError } from './errors';
import { locationMessage } from './parse';

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f; // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** The wider Unicode encodings, by byte order mark or by the NUL pattern ASCII text takes in them. */
function wideEncoding(b: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return 'UTF-32 (little-endian, with a byte order mark)';
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return 'UTF-32 (big-endian, with a byte order mark)';
  if (b0 === 0xff && b1 === 0xfe) return 'UTF-16 (little-endian, with a byte order mark)';
  if (b0 === 0xfe && b1 === 0xff) return 'UTF-16 (big-endian, with a byte order mark)';
  if (b.length >= 4 && b0 !== 0 && b1 === 0 && b2 !== 0 && b3 === 0) return 'UTF-16 (little-endian)';
  if (b.length >= 4 && b0 === 0 && b1 !== 0 && b2 === 0 && b3 !== 0) return 'UTF-16 (big-endian)';
  return undefined;
}

/** Decodes stdin; throws ManifestError (one line, with document and line) for anything but well-formed UTF-8. */
export function decodeInput(data: Uint8Array | string, source = 'stdin'): string {
  if (typeof data === 'string') return data;
  const wide = wideEncoding(data);
  if (wide) throw new ManifestError(`${source}: the input is ${wide}; reimage reads UTF-8 only: convert it first, e.g. iconv -f ${wide.slice(0, 6)} -t UTF-8`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  const at = firstInvalid(buf);
  const before = buf.subarray(0, at).toString('utf8');
  const byte = `0x${(buf[at] as number).toString(16).padStart(2, '0')}`;
  throw new ManifestError(locationMessage(before, before.length, `invalid UTF-8: byte ${byte} (byte offset ${at}) is not valid UTF-8; reimage reads UTF-8 only`, source));
}

/** Small helpers for working with positions in the source text. */

/** One textual change: replace [start, end) with `text`. Insertions have start === end. */
export interface Splice {
  start: number;
  end: number;
  text: string;
  /** Orders splices at the same position: lower first (deeper content before shallower) */
  rank: number;
}

/** The file's line ending, taken from its first line break. */
export function lineEnding(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text.charCodeAt(i - 1) === 0x0d ? '\r\n' : '\n';
}

export function lineStartOf(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** Position of the line break (or end of text) ending the line that holds `pos`. */
export function lineEndOf(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  if (i < 0) return text.length;
  return i > 0 && text.charCodeAt(i - 1) === 0x0d ? i - 1 : i;
}

/** 0-based column; a leading BOM is not a column (it is not indentation). */
export function columnOf(text: string, pos: number): number {
  const ls = lineStartOf(text, pos);
  return pos - ls - (ls === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0);
}

/** Applies non-overlapping splices in one pass; throws on overlap. */
export function applySplices(text: string, splices: Splice[]): string {
  const sorted = splices
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.start - b.s.start || a.s.end - b.s.end || a.s.rank - b.s.rank || a.i - b.i)
    .map((x) => x.s);
  const parts: string[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.start < at) throw new Error(`overlapping edits at offset ${s.start}`);
    parts.push(text.slice(at, s.start), s.text);
    at = s.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

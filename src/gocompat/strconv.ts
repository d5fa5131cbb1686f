/**
 * Go's strconv parsers as the flag package uses them, returning undefined
 * where Go returns an error (the flag package reports only "parse error"
 * or "value out of range" anyway).
 */

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

export type NumberResult = { value: number } | { error: 'parse error' | 'value out of range' };

const INT_BASES: ReadonlyArray<[RegExp, number, string]> = [
  [/^0[xX]/, 16, '0-9A-Fa-f'],
  [/^0[bB]/, 2, '01'],
  [/^0[oO]/, 8, '0-7'],
  [/^0(?=[0-9_])/, 8, '0-7'], // Go's base 0 reads a leading 0 as octal
];

/** strconv.ParseInt(s, 0, 64): base prefixes, leading-0 octal, underscores between digits. */
export function parseGoInt(s: string): NumberResult {
  let body = s;
  let sign = 1n;
  if (body[0] === '+' || body[0] === '-') {
    sign = body[0] === '-' ? -1n : 1n;
    body = body.slice(1);
  }
  let base = 10;
  let digits = '0-9';
  let prefixed = false;
  for (const [re, b, d] of INT_BASES) {
    const m = re.exec(body);
    if (m) {
      base = b;
      digits = d;
      prefixed = true;
      body = body.slice(m[0].length);
      break;
    }
  }
  // Base 0 allows underscores between digits, and right after a base prefix.
  const shape = new RegExp(`^${prefixed ? '_?' : ''}[${digits}]+(?:_[${digits}]+)*$`);
  if (!shape.test(body)) return { error: 'parse error' };
  let v = 0n;
  for (const ch of body.replace(/_/g, '')) v = v * BigInt(base) + BigInt(parseInt(ch, base));
  v *= sign;
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) return { error: 'value out of range' };
  return { value: Number(v) };
}

const DEC_FLOAT = /^[+-]?(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9A-Fa-f]*)(?:\.([0-9A-Fa-f]*))?[pP]([+-]?\d+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** strconv.ParseFloat(s, 64), including inf/nan and hex floats. */
export function parseGoFloat(s: string): NumberResult {
  const sp = SPECIAL.exec(s);
  if (sp) {
    if ((sp[2] as string).toLowerCase() === 'nan') return { value: NaN };
    return { value: sp[1] === '-' ? -Infinity : Infinity };
  }
  let v: number;
  const hex = HEX_FLOAT.exec(s);
  if (hex) {
    const int = hex[2] ?? '';
    const frac = hex[3] ?? '';
    if (int === '' && frac === '') return { error: 'parse error' };
    const mant = parseInt(int + frac || '0', 16);
    v = mant * Math.pow(2, Number(hex[4]) - 4 * frac.length);
    if (hex[1] === '-') v = -v;
  } else if (DEC_FLOAT.test(s)) {
    v = Number(s.replace(/_/g, ''));
  } else {
    return { error: 'parse error' };
  }
  if (!Number.isFinite(v)) return { error: 'value out of range' };
  return { value: v };
}

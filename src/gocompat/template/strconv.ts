/** Go's strconv pieces that fmt and text/template need: float formatting and quoting. */

interface Digits {
  /** Significant decimal digits, no leading or trailing zeros ('' for zero) */
  d: string;
  /** Decimal point position: value = 0.d × 10^dp */
  dp: number;
}

/** The exact decimal expansion of a finite double (every double is a finite decimal). */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (expBits === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = expBits - 1075;
  }
  let s: string;
  let dp: number;
  if (exp >= 0) {
    s = (mant << BigInt(exp)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-exp)).toString();
    dp = s.length + exp;
  }
  const lead = s.length - s.replace(/^0+/, '').length;
  s = s.slice(lead);
  return { d: s.replace(/0+$/, ''), dp };
}

/** Rounds to nd significant digits, halves to even, as Go's decimal.Round does on exact values. */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: x.dp };
  if (nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === x.d.length) up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = next >= 5;
  if (!up) {
    return { d: x.d.slice(0, nd).replace(/0+$/, ''), dp: x.dp };
  }
  let i = nd - 1;
  while (i >= 0 && x.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  return { d: (x.d.slice(0, i) + String.fromCharCode(x.d.charCodeAt(i) + 1)).replace(/0+$/, ''), dp: x.dp };
}

/** The shortest digits that read back as x (JS and Go agree on these). */
function shortestDigits(x: number, bitSize: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const v = bitSize === 32 ? shortest32(x) : Math.abs(x).toExponential();
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(v);
  if (!m) throw new Error(`unexpected float form ${v}`);
  const d = ((m[1] ?? '') + (m[2] ?? '')).replace(/0+$/, '');
  return { d, dp: Number(m[3]) + 1 };
}

function shortest32(x: number): string {
  const f = Math.fround(Math.abs(x));
  for (let p = 1; p <= 9; p++) {
    const s = f.toExponential(p - 1);
    if (Math.fround(Number(s)) === f) return s;
  }
  return f.toExponential(8);
}

function fmtE(neg: boolean, x: Digits, prec: number, e: string): string {
  let s = neg ? '-' : '';
  s += x.d.length === 0 ? '0' : x.d[0];
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < x.d.length ? x.d[i] : '0';
  }
  s += e;
  const exp = x.d.length === 0 ? 0 : x.dp - 1;
  return s + exponentDigits(exp);
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    s += x.d.slice(0, m) + '0'.repeat(x.dp - m);
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(x, fmt, prec, bitSize) for fmt in e E f F g G (b, x, X via formatFloatHex/Bin). */
export function formatFloat(x: number, fmt: string, prec: number, bitSize = 64): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (fmt === 'x' || fmt === 'X') return formatFloatHex(x, fmt, prec, bitSize);
  if (fmt === 'b') return formatFloatBin(x, bitSize);
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let digs: Digits;
  if (shortest) {
    digs = shortestDigits(x, bitSize);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(digs.d.length - 1, 0);
        break;
      case 'f':
      case 'F':
        prec = Math.max(digs.d.length - digs.dp, 0);
        break;
      default:
        prec = digs.d.length;
    }
  } else {
    const exact = exactDigits(bitSize === 32 ? Math.fround(x) : x);
    switch (fmt) {
      case 'e':
      case 'E':
        digs = roundDigits(exact, prec + 1);
        break;
      case 'f':
      case 'F':
        digs = roundDigits(exact, exact.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        digs = roundDigits(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, digs, prec, fmt);
    case 'f':
    case 'F':
      return fmtF(neg, digs, prec);
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (digs.d.length !== 0 && (exp < -4 || exp >= eprec)) {
        if (prec > digs.d.length) prec = digs.d.length;
        return fmtE(neg, digs, prec - 1, fmt === 'G' ? 'E' : 'e');
      }
      if (digs.d.length === 0 && shortest) return neg ? '-0' : '0';
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
    }
  }
}

function floatParts(x: number, bitSize: number): { neg: boolean; mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  if (bitSize === 32) {
    view.setFloat32(0, x);
    const bits = view.getUint32(0);
    const e = (bits >>> 23) & 0xff;
    let m = BigInt(bits & 0x7fffff);
    if (e !== 0) m |= 1n << 23n;
    return { neg: bits >>> 31 === 1, mant: m, exp: (e === 0 ? 1 : e) - 127 - 23 };
  }
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  if (e !== 0) m |= 1n << 52n;
  return { neg: bits >> 63n === 1n, mant: m, exp: (e === 0 ? 1 : e) - 1023 - 52 };
}

function formatFloatBin(x: number, bitSize: number): string {
  const { neg, mant, exp } = floatParts(x, bitSize);
  return `${neg ? '-' : ''}${mant}p${exp >= 0 ? '+' : ''}${exp}`;
}

/** %x of a float: -0x1.23abcp+20, as strconv's fmtX. */
function formatFloatHex(x: number, fmt: string, prec: number, bitSize: number): string {
  let { neg, mant, exp } = floatParts(x, bitSize);
  const mantBits = bitSize === 32 ? 23 : 52;
  if (mant === 0n) exp = 0;
  // Shift so the leading 1 is bit 60, as strconv does.
  let shift = 60 - mantBits;
  mant <<= BigInt(shift);
  exp += mantBits;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  shift = 0;
  if (prec >= 0 && prec < 15) {
    const sh = BigInt(prec * 4);
    const extra = (mant << sh) & ((1n << 60n) - 1n);
    mant >>= 60n - sh;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - sh;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = fmt === 'X' ? '0123456789ABCDEF' : '0123456789abcdef';
  let s = neg ? '-' : '';
  s += '0' + (fmt === 'X' ? 'X' : 'x') + String(Number((mant >> 60n) & 1n));
  mant <<= 4n;
  mant &= (1n << 64n) - 1n;
  if (prec < 0 && mant !== 0n) {
    s += '.';
    while (mant !== 0n) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  s += fmt === 'X' ? 'P' : 'p';
  return s + exponentDigits(exp);
}

const isPrintRune = (r: number): boolean => {
  if (r < 0x20 || r === 0x7f) return false;
  if (r < 0x7f) return true;
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020 space.
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(r));
};
export { isPrintRune };

/** Go's strconv.Quote / QuoteToASCII / QuoteRune over the UTF-8 bytes of s. */
export function quote(s: string, quoteChar: '"' | "'" = '"', asciiOnly = false): string {
  let out = quoteChar;
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    out += quoteRuneBody(r, quoteChar, asciiOnly, ch);
  }
  return out + quoteChar;
}

function quoteRuneBody(r: number, q: string, asciiOnly: boolean, ch: string): string {
  if (r >= 0xd800 && r <= 0xdfff) return '\\ufffd';
  if (String.fromCodePoint(r) === q || r === 0x5c) return '\\' + ch;
  if (asciiOnly ? r < 0x80 && isPrintRune(r) : isPrintRune(r)) return ch;
  switch (r) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + r.toString(16).padStart(2, '0');
  if (r === 0xfffd && ch !== '\ufffd') return '\\x';
  if (r < 0x10000) return '\\u' + r.toString(16).padStart(4, '0');
  return '\\U' + r.toString(16).padStart(8, '0');
}

export function quoteRune(r: number, asciiOnly = false): string {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  const ch = String.fromCodePoint(r);
  return "'" + quoteRuneBody(r, "'", asciiOnly, ch) + "'";
}

/** strconv.CanBackquote */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (ch === '`' || r === 0xfeff) return false;
    if (r < 0x20 && r !== 9) return false;
    if (r === 0x7f) return false;
  }
  return true;
}

/**
 * strconv.Unquote for the three Go literal forms. Returns undefined for invalid syntax.
 * Works on JS strings; \x and octal escapes produce bytes, which are decoded as UTF-8 at the end.
 */
export function unquote(lit: string): string | undefined {
  if (lit.length < 2) return undefined;
  const q = lit[0];
  if (q !== lit[lit.length - 1]) return undefined;
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) return undefined;
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") return undefined;
  if (body.includes('\n')) return undefined;
  const bytes: number[] = [];
  const pushStr = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  let i = 0;
  let runes = 0;
  while (i < body.length) {
    const c = body[i] as string;
    if (c === q && q === "'") return undefined;
    if (c === q) return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      pushStr(ch);
      i += ch.length;
      runes++;
      continue;
    }
    const r = unquoteEscape(body, i, q);
    if (!r) return undefined;
    if (r.byte !== undefined) bytes.push(r.byte);
    else pushStr(String.fromCodePoint(r.rune as number));
    i = r.next;
    runes++;
  }
  if (q === "'" && runes !== 1) return undefined;
  return Buffer.from(bytes).toString('utf8');
}

interface Escape {
  rune?: number;
  byte?: number;
  next: number;
}

function unquoteEscape(s: string, i: number, q: string): Escape | undefined {
  const c = s[i + 1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (c === undefined) return undefined;
  if (c in simple) return { rune: simple[c], next: i + 2 };
  if (c === q) return { rune: q.charCodeAt(0), next: i + 2 };
  const hexN = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexN > 0) {
    const h = s.slice(i + 2, i + 2 + hexN);
    if (h.length !== hexN || !/^[0-9a-fA-F]+$/.test(h)) return undefined;
    const v = parseInt(h, 16);
    if (c === 'x') return { byte: v, next: i + 2 + hexN };
    if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
    return { rune: v, next: i + 2 + hexN };
  }
  if (c >= '0' && c <= '7') {
    const o = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(o)) return undefined;
    const v = parseInt(o, 8);
    if (v > 255) return undefined;
    return { byte: v, next: i + 4 };
  }
  return undefined;
}

/** strconv.UnquoteChar on a character literal 'x': the rune, or an error message as Go gives it. */
export function unquoteCharLiteral(text: string): number | string {
  const body = text.slice(1);
  if (body.startsWith('\\')) {
    const r = unquoteEscape(body, 0, "'");
    if (!r) return 'invalid syntax';
    if (body.slice(r.next) !== "'") return `malformed character constant: ${text}`;
    return r.rune ?? r.byte ?? 0;
  }
  const cp = body.codePointAt(0);
  if (cp === undefined || cp === 0x27) return 'invalid syntax';
  const ch = String.fromCodePoint(cp);
  if (body.slice(ch.length) !== "'") return `malformed character constant: ${text}`;
  return cp;
}

/** Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
export function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1] as string)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt/ParseUint with base 0 (prefixes and underscores), as BigInt, or undefined. */
export function parseGoInt(text: string): bigint | undefined {
  if (text.includes('_') && !underscoreOK(text)) return undefined;
  let s = text.replace(/_/g, '');
  let neg = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let re = /^\d+$/;
  let lit = s;
  if (/^0[xX]/.test(s)) {
    re = /^0[xX][0-9a-fA-F]+$/;
  } else if (/^0[bB]/.test(s)) {
    re = /^0[bB][01]+$/;
  } else if (/^0[oO]/.test(s)) {
    re = /^0[oO][0-7]+$/;
  } else if (/^0\d/.test(s)) {
    re = /^0o[0-7]+$/;
    lit = '0o' + s.slice(1);
  }
  if (!re.test(lit)) return undefined;
  const v = BigInt(lit);
  return neg ? -v : v;
}

/** strconv.ParseFloat(text, 64) for Go literal syntax, or undefined. */
export function parseGoFloat(text: string): number | undefined {
  if (text.includes('_') && !underscoreOK(text)) return undefined;
  let s = text.replace(/_/g, '');
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (/^0[xX]/.test(s)) {
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m || ((m[1] ?? '') === '' && (m[2] ?? '') === '')) return undefined;
    const intPart = m[1] ?? '';
    const frac = m[2] ?? '';
    const mant = BigInt('0x' + (intPart + frac || '0'));
    const e = Number(m[3]) - 4 * frac.length;
    return sign * Number(mant) * 2 ** e;
  }
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    if (/^(inf|infinity)$/i.test(s)) return sign * Infinity;
    if (/^nan$/i.test(s)) return NaN;
    return undefined;
  }
  return sign * Number(s);
}

/** Go's exponent tail for %e and %x: a sign and at least two digits. */
function exponentDigits(exp: number): string {
  const sign = exp < 0 ? '-' : '+';
  const n = Math.abs(exp);
  return sign + (n < 10 ? `0${n}` : String(n));
}

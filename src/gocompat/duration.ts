/**
 * Go's time.ParseDuration and Duration.String, exactly: same grammar, same
 * int64-nanosecond overflow limits, same error texts (prefixed "time: ").
 */

const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const SEC = 1000n * MS;
const MIN = 60n * SEC;
const HOUR = 60n * MIN;

const UNITS: Readonly<Record<string, bigint>> = {
  ns: NS,
  us: US,
  'µs': US, // U+00B5 micro sign
  'μs': US, // U+03BC Greek mu
  ms: MS,
  s: SEC,
  m: MIN,
  h: HOUR,
};

const MAX = 1n << 63n; // magnitude bound; positive results must stay below it

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parse a Go duration string into int64 nanoseconds. Throws Error("time: ...") like Go. */
export function parseGoDurationNs(orig: string): bigint {
  const invalid = (): Error => new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  // "0" is the only unit-less duration Go accepts.
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Integer part: overflow beyond 2^63 is an error, like Go's leadingInt.
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      if (v > MAX / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction: digits beyond int64 precision are ignored, like Go's leadingFraction.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (f > (MAX - 1n) / 10n || y > MAX) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = Object.hasOwn(UNITS, u) ? UNITS[u] : undefined;
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(orig)}`);
    if (v > MAX / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go does this step in float64 so fractions of hours stay nanosecond accurate.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX) throw invalid();
    }
    d += v;
    if (d > MAX) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX - 1n) throw invalid();
  return d;
}

/** Parse a Go duration string into milliseconds (fractional below 1 ms). */
export function parseGoDuration(s: string): number {
  return Number(parseGoDurationNs(s)) / 1e6;
}

function fmtFrac(v: bigint, prec: number): { frac: string; rest: bigint } {
  // Go prints the fraction with trailing zeros dropped, and no dot if it is zero.
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return { frac: print ? `.${digits}` : '', rest: v };
}

/** Go's Duration.String for int64 nanoseconds: "10m0s", "1.5s", "300ms", "0s". */
export function formatGoDurationNs(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < SEC) {
    let prec: number;
    let unit: string;
    if (u < US) return `${neg ? '-' : ''}${u}ns`;
    if (u < MS) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { frac, rest } = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const { frac, rest } = fmtFrac(u, 9);
    u = rest;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return (neg ? '-' : '') + out;
}

/** Format milliseconds the way Go prints the equivalent Duration. */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}

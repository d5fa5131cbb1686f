/**
 * Go's fmt verbs as the Go reimage applies them to float32 CVSS scores, so the
 * mappings JSON (`foundCVEs`, `ignoredCVEs`) and failure messages match byte for byte.
 */

/**
 * strconv.FormatFloat(float32(x), 'f', prec, 32): the float32 value's exact
 * decimal expansion, rounded half-to-even (JS toFixed rounds ties up).
 */
export function goFormatFloat32(x: number, prec: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  // toFixed(100) is exact for every float32 above ~1e-30; smaller ones are 0 at any sane precision.
  const exact = Math.abs(f).toFixed(100);
  const [intPart = '0', fracPart = ''] = exact.split('.');
  const kept = fracPart.slice(0, prec);
  const rest = fracPart.slice(prec);
  let digits = BigInt(intPart + kept);
  const first = rest[0] ?? '0';
  const tail = rest.slice(1);
  const roundUp = first > '5' || (first === '5' && (/[1-9]/.test(tail) || digits % 2n === 1n));
  if (roundUp) digits += 1n;
  let s = digits.toString().padStart(prec + 1, '0');
  if (prec > 0) s = `${s.slice(0, -prec)}.${s.slice(-prec)}`;
  // Go keeps the sign even when the rounded value is zero ("-0.00").
  return f < 0 || Object.is(f, -0) ? `-${s}` : s;
}

/** `fmt.Sprintf("%s:%f", cve, score)`: the entries of foundCVEs / ignoredCVEs, e.g. "CVE-2023-4911:7.800000". */
export function formatCveEntry(id: string, score: number): string {
  return `${id}:${goFormatFloat32(score, 6)}`;
}

/** `fmt.Sprintf("%s(%.2f)", cve, score)`: one entry of the Go tool's ImageCheckError, e.g. "CVE-2023-4911(7.80)". */
export function formatBadEntry(id: string, score: number): string {
  return `${id}(${goFormatFloat32(score, 2)})`;
}

/** Inverse of formatCveEntry, for reading mappings back: "CVE-x:7.800000" → {id, score}. */
export function parseCveEntry(entry: string): { id: string; score: number } | undefined {
  const i = entry.lastIndexOf(':');
  if (i <= 0) return undefined;
  const score = Number(entry.slice(i + 1));
  return Number.isFinite(score) ? { id: entry.slice(0, i), score } : undefined;
}

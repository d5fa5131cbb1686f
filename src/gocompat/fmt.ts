/** Go's fmt/strconv float formatting as the Go reimage applies it to float32 CVSS scores (`%f`, `%.2f`). */

/**
 * strconv.FormatFloat(float64(float32(x)), 'f', prec, 64): the float32 value's exact decimal
 * expansion, rounded half-to-even (JS toFixed rounds the double, ties up).
 */
export function formatFloat32Fixed(x: number, prec: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  // toFixed(100) is exact for every float32 above ~1e-30; smaller ones are 0 at any sane precision.
  const exact = Math.abs(f).toFixed(100);
  const [intPart = '0', fracPart = ''] = exact.split('.');
  const rest = fracPart.slice(prec);
  let digits = BigInt(intPart + fracPart.slice(0, prec));
  const first = rest[0] ?? '0';
  if (first > '5' || (first === '5' && (/[1-9]/.test(rest.slice(1)) || digits % 2n === 1n))) digits += 1n;
  let s = digits.toString().padStart(prec + 1, '0');
  if (prec > 0) s = `${s.slice(0, -prec)}.${s.slice(-prec)}`;
  // Go keeps the sign even when the rounded value is zero ("-0.00").
  return f < 0 || Object.is(f, -0) ? `-${s}` : s;
}

/** Go's string order (sort.Strings, slices.Sorted): bytes; UTF-16 order differs only for astral characters. */
export function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A list sorted by its `id`s in Go's string order, as upstream's slices.Sorted(maps.Keys(…)) gives them. */
export function sortedById<T extends { id: string }>(list: readonly T[]): T[] {
  return [...list].sort((x, y) => compareGoStrings(x.id, y.id));
}

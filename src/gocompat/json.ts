/**
 * Go's encoding/json, for the few Go types reimage reads (scanner reports, mappings files) and writes
 * (mappings files): decoding into a declared shape with Go's rules, and Go's string/float32 encoding.
 *
 * Decoding rules taken from encoding/json:
 * - object keys match struct fields exactly, else case-insensitively (bytes.EqualFold); unknown keys are ignored;
 * - `null` makes a slice or map empty (Go: nil) and leaves anything else as it was (the zero value, or an
 *   earlier key's value for the same field);
 * - any other type mismatch is an error (Go keeps decoding and returns the first one; we stop at it);
 * - float32 takes only numbers that fit (1e39 does not).
 * The error names the path, e.g. `Results[0].Vulnerabilities[2].CVSS["nvd"].V3Score`.
 */

export type GoType =
  | { readonly kind: 'string' }
  | { readonly kind: 'float32' }
  | { readonly kind: 'slice'; readonly of: GoType }
  | { readonly kind: 'map'; readonly of: GoType }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: Readonly<Record<string, GoType>> };

export const goString = { kind: 'string' } as const;
export const goFloat32 = { kind: 'float32' } as const;
export const goSlice = <T extends GoType>(of: T) => ({ kind: 'slice', of }) as const;
export const goMap = <T extends GoType>(of: T) => ({ kind: 'map', of }) as const;
export const goStructType = <F extends Record<string, GoType>>(name: string, fields: F) => ({ kind: 'struct', name, fields }) as const;

/** The TypeScript value a GoType decodes to. */
export type GoValue<T> = T extends { kind: 'string' }
  ? string
  : T extends { kind: 'float32' }
    ? number
    : T extends { kind: 'slice'; of: infer E }
      ? GoValue<E>[]
      : T extends { kind: 'map'; of: infer E }
        ? Map<string, GoValue<E>>
        : T extends { kind: 'struct'; fields: infer F }
          ? { -readonly [K in keyof F]: GoValue<F[K]> }
          : never;

/** A decoding failure; `path` is where (empty at the top), `message` is one line. */
export class GoJsonError extends Error {
  override name = 'GoJsonError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** Go's foldName for ASCII field names: Kelvin sign and long s fold to k and s (unicode simple folding). */
function fold(key: string): string {
  return key.replace(/[A-Z\u212a\u017f]/g, (c) => (c === '\u212a' ? 'k' : c === '\u017f' ? 's' : c.toLowerCase()));
}

function typeName(t: GoType): string {
  switch (t.kind) {
    case 'string':
    case 'float32':
      return t.kind;
    case 'slice':
      return `[]${typeName(t.of)}`;
    case 'map':
      return `map[string]${typeName(t.of)}`;
    case 'struct':
      return t.name;
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}

/** Zero values, as Go's `var x T`. Slices and maps are empty rather than nil: reimage never needs the difference. */
export function goZero<T extends GoType>(t: T): GoValue<T> {
  switch (t.kind) {
    case 'string':
      return '' as GoValue<T>;
    case 'float32':
      return 0 as GoValue<T>;
    case 'slice':
      return [] as unknown as GoValue<T>;
    case 'map':
      return new Map() as GoValue<T>;
    case 'struct': {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [k, ft] of Object.entries(t.fields)) out[k] = goZero(ft);
      return out as GoValue<T>;
    }
  }
}

/** Go strings are UTF-8: a lone surrogate (from a JSON \ud800 escape) decodes to U+FFFD. */
const wellFormed = (s: string): string => s.replace(/\p{Cs}/gu, '\ufffd');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decodes an already-parsed JSON value into `t`; throws GoJsonError. */
export function goDecode<T extends GoType>(value: unknown, t: T, path = ''): GoValue<T> {
  if (value === null) return goZero(t);
  const mismatch = (): never => {
    const shown = typeof value === 'string' ? `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}` : jsonKind(value) === 'number' ? `number ${String(value)}` : jsonKind(value);
    throw new GoJsonError(`cannot unmarshal ${shown} into ${path === '' ? 'the report' : path} of Go type ${typeName(t)}`, path);
  };
  switch (t.kind) {
    case 'string':
      return (typeof value === 'string' ? wellFormed(value) : mismatch()) as GoValue<T>;
    case 'float32': {
      if (typeof value !== 'number') return mismatch();
      const f = Math.fround(value);
      if (!Number.isFinite(f)) return mismatch();
      return f as GoValue<T>;
    }
    case 'slice': {
      if (!Array.isArray(value)) return mismatch();
      const out: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = goDecode(value[i], t.of, `${path}[${i}]`);
      return out as GoValue<T>;
    }
    case 'map': {
      if (!isObject(value)) return mismatch();
      const out = new Map<string, unknown>();
      for (const [k, v] of Object.entries(value)) out.set(k, goDecode(v, t.of, `${path}[${JSON.stringify(k)}]`));
      return out as GoValue<T>;
    }
    case 'struct': {
      if (!isObject(value)) return mismatch();
      const out = goZero(t) as Record<string, unknown>;
      const names = Object.keys(t.fields);
      const byFold = new Map<string, string>();
      for (const n of names) if (!byFold.has(fold(n))) byFold.set(fold(n), n);
      for (const [k, v] of Object.entries(value)) {
        const field = Object.hasOwn(t.fields, k) ? k : byFold.get(fold(k));
        if (field === undefined) continue;
        const ft = t.fields[field] as GoType;
        // null sets a slice or map to nil, and has no effect on anything else: `{"V3Score":9.8,"v3score":null}` keeps 9.8.
        if (v === null && ft.kind !== 'slice' && ft.kind !== 'map') continue;
        out[field] = goDecode(v, ft, path === '' ? field : `${path}.${field}`);
      }
      return out as GoValue<T>;
    }
  }
}

/** json.Unmarshal(text, &v): parse errors read "unexpected end of JSON input"-style, from JSON.parse. */
export function goUnmarshal<T extends GoType>(text: string, t: T): GoValue<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GoJsonError(text.trim() === '' ? 'unexpected end of JSON input' : (e as Error).message, '');
  }
  return goDecode(raw, t);
}

/** Go's json string encoding: like JSON.stringify, plus \u003c \u003e \u0026 \u2028 \u2029, and U+FFFD for lone surrogates. */
export function goJsonString(s: string): string {
  return JSON.stringify(wellFormed(s)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's json encoding of a float32: the shortest decimal that reads back as the same float32, exponent outside [1e-6, 1e21). */
export function goJsonFloat32(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) throw new RangeError(`json: unsupported value: ${f}`);
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  for (let p = 1; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(Number(f.toPrecision(9)));
}

/**
 * The sprig (Masterminds/sprig v3) functions that report templates use, with sprig's argument order
 * (the piped value comes last) and its Go semantics.
 */
import type { FuncEntry } from './exec';
import { sortedEntries, sprintf, toArg } from './fmt';
import { formatTime, now as timeNow, TIME_TYPE } from './gotime';
import { formatFloat } from './strconv';
import {
  type Complex,
  FuncError,
  type GoFunc,
  type GoMap,
  type GoTime,
  type GoType,
  goBool,
  goMap,
  goSlice,
  goString,
  indirectInterface,
  isFloatKind,
  isIntKind,
  isUintKind,
  localTime,
  MAP_STRING_IFACE,
  SLICE_IFACE,
  SLICE_STRING,
  T,
  Value,
} from './value';

const fn = (params: GoType[], result: GoType, call: (args: Value[]) => Value, variadic?: GoType): FuncEntry => ({
  fn: { params, result, call, ...(variadic ? { variadic } : {}) } satisfies GoFunc,
});

const str = (v: Value | undefined): string => (v?.v as string | undefined) ?? '';
const int = (v: Value | undefined): number => Number((v?.v as bigint | undefined) ?? 0n);

/** sprig's strval: strings as they are, Stringers via String(), anything else as %v. */
export function strval(v: Value): string {
  const c = indirectInterface(v);
  if (c.kind === 'string' && c.t.name === 'string') return c.v as string;
  if (c.kind === 'slice' && c.t.name === '[]uint8') return Buffer.from(((c.v as Value[] | null) ?? []).map((x) => Number(x.v))).toString('utf8');
  return sprintf('%v', [toArg(c)]);
}

/** sprig's strslice: a list as strings, nil elements dropped; anything else a one-element list. */
function strslice(v: Value): string[] {
  const c = indirectInterface(v);
  if (c.kind === 'slice' || c.kind === 'array') {
    if (c.t.name === '[]string') return ((c.v as Value[] | null) ?? []).map((x) => x.v as string);
    return ((c.v as Value[] | null) ?? []).filter((x) => toArg(x) !== null).map(strval);
  }
  if (c.kind === 'invalid') return [];
  return [strval(c)];
}

/** sprig's empty: Go's zero-ness. */
function empty(v: Value | undefined): boolean {
  if (v === undefined) return true;
  const g = indirectInterface(v);
  const k = g.kind;
  if (k === 'invalid') return true;
  if (k === 'array' || k === 'slice') return ((g.v as Value[] | null) ?? []).length === 0;
  if (k === 'map') return ((g.v as GoMap | null)?.size ?? 0) === 0;
  if (k === 'string') return (g.v as string).length === 0;
  if (k === 'bool') return !(g.v as boolean);
  if (k === 'complex128') return (g.v as Complex).re === 0 && (g.v as Complex).im === 0;
  if (isIntKind(k) || isUintKind(k)) return (g.v as bigint) === 0n;
  if (isFloatKind(k)) return (g.v as number) === 0;
  if (k === 'struct') return false;
  return g.v === null;
}

/** strings.ToUpper/ToLower: rune by rune, a rune without a one-rune mapping stays as it is. */
function mapRunes(s: string, f: (c: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** strings.Replace(s, old, new, -1) */
function replaceAll(s: string, old: string, nw: string): string {
  if (old === '') return nw + [...s].join(nw) + (s === '' ? '' : nw);
  return s.split(old).join(nw);
}

/** Go's encoding/json Marshal (sprig's toJson). */
export function toJSON(v: Value, indent?: string, depth = 0): string {
  const c = indirectInterface(v);
  const nl = (d: number): string => (indent === undefined ? '' : '\n' + indent.repeat(d));
  const k = c.kind;
  if (k === 'invalid') return 'null';
  if (k === 'bool') return (c.v as boolean) ? 'true' : 'false';
  if (isIntKind(k) || isUintKind(k)) return String(c.v as bigint);
  if (isFloatKind(k)) {
    const f = c.v as number;
    if (!Number.isFinite(f)) throw new FuncError(`json: unsupported value: ${formatFloat(f, 'g', -1)}`);
    const abs = Math.abs(f);
    const bits = k === 'float32' ? 32 : 64; // encoding/json formats a float32 with bitSize 32: 7.8, not 7.800000190734863
    let s: string;
    if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
      s = formatFloat(f, 'e', -1, bits).replace(/e([+-])0(\d)$/, 'e$1$2');
    } else {
      s = formatFloat(f, 'f', -1, bits);
    }
    return s;
  }
  if (k === 'string') return jsonString(c.v as string);
  if (c.t.name === 'time.Time') {
    return jsonString(formatTime(c.v as GoTime, '2006-01-02T15:04:05.999999999Z07:00'));
  }
  if (k === 'slice' || k === 'array') {
    if (c.v === null) return 'null';
    const items = c.v as Value[];
    if (c.t.elem?.kind === 'uint8') return jsonString(Buffer.from(items.map((x) => Number(x.v))).toString('base64'));
    if (items.length === 0) return '[]';
    return '[' + items.map((x) => nl(depth + 1) + toJSON(x, indent, depth + 1)).join(',') + nl(depth) + ']';
  }
  if (k === 'map') {
    if (c.v === null) return 'null';
    const entries = sortedEntries(c.v as GoMap).map(([key, val]) => [strval(key), val] as const);
    entries.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
    if (entries.length === 0) return '{}';
    const sep = indent === undefined ? ':' : ': ';
    return '{' + entries.map(([key, val]) => nl(depth + 1) + jsonString(key) + sep + toJSON(val, indent, depth + 1)).join(',') + nl(depth) + '}';
  }
  if (k === 'struct') {
    const vals = c.v as Map<string, Value>;
    const fields = (c.t.fields ?? []).filter((f) => /^\p{Lu}/u.test(f.name));
    if (fields.length === 0) return '{}';
    const sep = indent === undefined ? ':' : ': ';
    return (
      '{' + fields.map((f) => nl(depth + 1) + jsonString(f.json ?? f.name) + sep + toJSON(vals.get(f.name) as Value, indent, depth + 1)).join(',') + nl(depth) + '}'
    );
  }
  if (k === 'ptr') return c.v === null ? 'null' : toJSON(c.v as Value, indent, depth);
  throw new FuncError(`json: unsupported type: ${c.t.name}`);
}

function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (r === 0x0a) out += '\\n';
    else if (r === 0x0d) out += '\\r';
    else if (r === 0x09) out += '\\t';
    else if (r === 0x08) out += '\\b';
    else if (r === 0x0c) out += '\\f';
    else if (r < 0x20 || ch === '<' || ch === '>' || ch === '&' || r === 0x2028 || r === 0x2029) {
      out += '\\u' + r.toString(16).padStart(4, '0');
    } else if (r >= 0xd800 && r <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

function asTime(v: Value): GoTime {
  const c = indirectInterface(v);
  if (c.t.name === 'time.Time') return c.v as GoTime;
  if (c.kind === 'int64' || c.kind === 'int' || c.kind === 'int32') return localTime(Number(c.v as bigint) * 1000, 0);
  return localTime(Date.now(), 0);
}

/** time.Time.In(time.Local) */
function inLocal(t: GoTime): GoTime {
  return localTime(t.ms, t.ns);
}

export const SPRIG: ReadonlyMap<string, FuncEntry> = new Map<string, FuncEntry>([
  ['join', fn([T.string, T.iface], T.string, ([sep, v]) => goString(strslice(v as Value).join(str(sep))))],
  ['upper', fn([T.string], T.string, ([s]) => goString(mapRunes(str(s), (c) => c.toUpperCase())))],
  ['lower', fn([T.string], T.string, ([s]) => goString(mapRunes(str(s), (c) => c.toLowerCase())))],
  ['trim', fn([T.string], T.string, ([s]) => goString(str(s).replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, '')))],
  ['trimPrefix', fn([T.string, T.string], T.string, ([p, s]) => goString(str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)))],
  ['trimSuffix', fn([T.string, T.string], T.string, ([p, s]) => goString(str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)))],
  [
    'default',
    fn(
      [T.iface],
      T.iface,
      ([d, ...given]) => (given.length === 0 || empty(given[0]) ? (d as Value) : (given[0] as Value)),
      T.iface,
    ),
  ],
  ['empty', fn([T.iface], T.bool, ([v]) => goBool(empty(v)))],
  ['toJson', fn([T.iface], T.string, ([v]) => goString(safeJSON(v as Value)))],
  ['toPrettyJson', fn([T.iface], T.string, ([v]) => goString(safeJSON(v as Value, '  ')))],
  ['toString', fn([T.iface], T.string, ([v]) => goString(strval(v as Value)))],
  [
    'sortAlpha',
    fn([T.iface], SLICE_STRING, ([v]) => {
      const c = indirectInterface(v as Value);
      const list = c.kind === 'slice' || c.kind === 'array' ? strslice(c) : [strval(c)];
      if (c.kind === 'slice' || c.kind === 'array') list.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return goSlice(T.string, list.map(goString));
    }),
  ],
  [
    'keys',
    fn(
      [],
      SLICE_STRING,
      (dicts) => {
        // Go's map order is random; sorted is one of its orders, and a stable one.
        const keys: Value[] = [];
        for (const d of dicts) for (const [key] of sortedEntries(d.v as GoMap | null)) keys.push(key);
        return goSlice(T.string, keys);
      },
      MAP_STRING_IFACE,
    ),
  ],
  ['list', fn([], SLICE_IFACE, (items) => goSlice(T.iface, items), T.iface)],
  [
    'dict',
    fn(
      [],
      MAP_STRING_IFACE,
      (kv) => {
        const entries = new Map<string, Value>();
        for (let i = 0; i < kv.length; i += 2) {
          const key = strval(kv[i] as Value);
          entries.set(key, i + 1 >= kv.length ? goString('') : (kv[i + 1] as Value));
        }
        return goMap(T.string, T.iface, [...entries].map(([k, v]) => [goString(k), v]));
      },
      T.iface,
    ),
  ],
  ['hasKey', fn([MAP_STRING_IFACE, T.string], T.bool, ([d, k]) => goBool((d?.v as GoMap | null)?.get(goString(str(k))) !== undefined))],
  ['date', fn([T.string, T.iface], T.string, ([f, d]) => goString(formatTime(inLocal(asTime(d as Value)), str(f))))],
  ['now', fn([], TIME_TYPE, () => timeNow(localTime))],
  [
    'repeat',
    fn([T.int, T.string], T.string, ([n, s]) => {
      if (int(n) < 0) throw new FuncError('strings: negative Repeat count');
      return goString(str(s).repeat(int(n)));
    }),
  ],
  // sprig's trunc: the first c bytes, or the last -c; report templates use it to keep descriptions short.
  [
    'trunc',
    fn([T.int, T.string], T.string, ([c, s]) => {
      const b = Buffer.from(str(s)), n = int(c);
      if (n < 0 && b.length + n > 0) return goString(b.subarray(b.length + n).toString());
      return goString(n >= 0 && b.length > n ? b.subarray(0, n).toString() : str(s));
    }),
  ],
  ['indent', fn([T.int, T.string], T.string, ([n, s]) => goString(indent(int(n), str(s))))],
  ['nindent', fn([T.int, T.string], T.string, ([n, s]) => goString('\n' + indent(int(n), str(s))))],
  ['replace', fn([T.string, T.string, T.string], T.string, ([o, n, s]) => goString(replaceAll(str(s), str(o), str(n))))],
  ['contains', fn([T.string, T.string], T.bool, ([sub, s]) => goBool(str(s).includes(str(sub))))],
  ['hasPrefix', fn([T.string, T.string], T.bool, ([p, s]) => goBool(str(s).startsWith(str(p))))],
  ['hasSuffix', fn([T.string, T.string], T.bool, ([p, s]) => goBool(str(s).endsWith(str(p))))],
  ['quote', fn([], T.string, (xs) => goString(xs.filter((x) => toArg(x) !== null).map((x) => sprintf('%q', [goString(strval(x))])).join(' ')), T.iface)],
  ['squote', fn([], T.string, (xs) => goString(xs.filter((x) => toArg(x) !== null).map((x) => sprintf("'%v'", [toArg(x)])).join(' ')), T.iface)],
]);

function indent(spaces: number, v: string): string {
  if (spaces < 0) throw new FuncError('strings: negative Repeat count');
  const pad = ' '.repeat(spaces);
  return pad + v.split('\n').join('\n' + pad);
}

/** sprig ignores Marshal's error and returns "" */
function safeJSON(v: Value, indentBy?: string): string {
  try {
    return toJSON(v, indentBy);
  } catch (e) {
    if (e instanceof FuncError) return '';
    throw e;
  }
}

/**
 * A small model of Go's reflect values, enough for text/template to give Go's results and Go's error texts:
 * every value carries a Go type (kind and printed name), and interface-typed slots keep their interface
 * wrapper, because Go's template engine treats a nil interface differently from a missing map key.
 */

export type Kind =
  | 'invalid'
  | 'bool'
  | 'int'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'uintptr'
  | 'float32'
  | 'float64'
  | 'complex128'
  | 'string'
  | 'slice'
  | 'array'
  | 'map'
  | 'struct'
  | 'interface'
  | 'ptr'
  | 'func'
  | 'rvalue';

export interface StructField {
  readonly name: string;
  readonly type: GoType;
  /** The `json:"…"` tag's name, which encoding/json (sprig's toJson) uses instead of the field name */
  readonly json?: string;
}

export interface GoType {
  readonly kind: Kind;
  /** As reflect.Type.String() prints it: `int`, `[]interface {}`, `map[string]string`, `main.T` */
  readonly name: string;
  readonly elem?: GoType;
  readonly key?: GoType;
  readonly fields?: readonly StructField[];
  /** Methods callable from a template (`.Method`), e.g. time.Time's, bound to their receiver */
  readonly methods?: Readonly<Record<string, (recv: Value) => GoFunc>>;
  /** fmt's Stringer/error: how %v and %s print it */
  readonly stringer?: (v: Value) => string;
}

export interface Complex {
  readonly re: number;
  readonly im: number;
}

/** A function callable from a template, with Go's signature so argument errors read as Go's. */
export interface GoFunc {
  readonly params: readonly GoType[];
  /** The element type of a final `...T` parameter */
  readonly variadic?: GoType;
  readonly result: GoType;
  /** The function returns (T, error) */
  readonly canFail?: boolean;
  /** Throws FuncError for an error result */
  readonly call: (args: Value[]) => Value;
}

/** The error a Go function returned: the engine reports it as `error calling NAME: MSG`. */
export class FuncError extends Error {
  override name = 'FuncError';
}

export class Value {
  constructor(
    readonly t: GoType,
    /**
     * bool: boolean; integers: bigint; floats: number; complex: Complex; string: string;
     * slice/array: Value[] (null for a nil slice); map: GoMap (null for nil); struct: Map<string, Value>;
     * interface/ptr: Value | null; func: GoFunc; rvalue: not used.
     */
    readonly v: unknown,
  ) {}
  get kind(): Kind {
    return this.t.kind;
  }
}

export class GoMap {
  /** Keyed by the key's primitive (string, bigint, number, boolean) */
  readonly entries = new Map<unknown, [Value, Value]>();
  get size(): number {
    return this.entries.size;
  }
  get(key: Value): Value | undefined {
    return this.entries.get(key.v)?.[1];
  }
  set(key: Value, val: Value): void {
    this.entries.set(key.v, [key, val]);
  }
}

const basic = (kind: Kind, name: string = kind): GoType => ({ kind, name });

export const T = {
  invalid: basic('invalid', '<nil>'),
  bool: basic('bool'),
  int: basic('int'),
  int8: basic('int8'),
  int16: basic('int16'),
  int32: basic('int32'),
  int64: basic('int64'),
  uint: basic('uint'),
  uint8: basic('uint8'),
  uint16: basic('uint16'),
  uint32: basic('uint32'),
  uint64: basic('uint64'),
  uintptr: basic('uintptr'),
  float32: basic('float32'),
  float64: basic('float64'),
  complex128: basic('complex128'),
  string: basic('string'),
  iface: basic('interface', 'interface {}'),
  error: basic('interface', 'error'),
  rvalue: basic('rvalue', 'reflect.Value'),
} as const;

export const sliceOf = (elem: GoType): GoType => ({ kind: 'slice', name: `[]${elem.name}`, elem });
export const mapOf = (key: GoType, elem: GoType): GoType => ({ kind: 'map', name: `map[${key.name}]${elem.name}`, key, elem });

export const SLICE_IFACE = sliceOf(T.iface);
export const SLICE_STRING = sliceOf(T.string);
export const MAP_STRING_IFACE = mapOf(T.string, T.iface);

export const INVALID = new Value(T.invalid, undefined);

export const isIntKind = (k: Kind): boolean => k === 'int' || k === 'int8' || k === 'int16' || k === 'int32' || k === 'int64';
export const isUintKind = (k: Kind): boolean =>
  k === 'uint' || k === 'uint8' || k === 'uint16' || k === 'uint32' || k === 'uint64' || k === 'uintptr';
export const isFloatKind = (k: Kind): boolean => k === 'float32' || k === 'float64';

export const goString = (s: string): Value => new Value(T.string, s);
export const goBool = (b: boolean): Value => new Value(T.bool, b);
export const goInt = (n: number | bigint): Value => new Value(T.int, BigInt(n));
export const goFloat = (n: number): Value => new Value(T.float64, n);
export const goIface = (inner: Value | null): Value => new Value(T.iface, inner);

export function goSlice(elem: GoType, items: readonly Value[]): Value {
  return new Value(sliceOf(elem), items.map((x) => (elem.kind === 'interface' ? boxIface(x) : x)));
}

export function goMap(key: GoType, elem: GoType, entries: Iterable<[Value, Value]>): Value {
  const m = new GoMap();
  for (const [k, v] of entries) m.set(k, elem.kind === 'interface' ? boxIface(v) : v);
  return new Value(mapOf(key, elem), m);
}

/** Puts a dynamic value into an interface slot; an invalid value becomes a nil interface. */
export function boxIface(v: Value): Value {
  if (v.kind === 'interface') return v;
  return goIface(v.kind === 'invalid' ? null : v);
}

/** Go's indirectInterface: the concrete value inside an interface, or invalid for a nil one. */
export function indirectInterface(v: Value): Value {
  if (v.kind !== 'interface') return v;
  return (v.v as Value | null) ?? INVALID;
}

/** Go's indirect: through pointers and interfaces; isNil when it stops at a nil one. */
export function indirect(v: Value): [Value, boolean] {
  let cur = v;
  while (cur.kind === 'ptr' || cur.kind === 'interface') {
    const inner = cur.v as Value | null;
    if (inner === null) return [cur, true];
    cur = inner;
  }
  return [cur, false];
}

const STRUCT_MARK = Symbol('goStruct');

interface StructMarked {
  readonly [STRUCT_MARK]: string;
}

/**
 * Marks a JS object as a Go struct named `typeName` (e.g. `reimage.RepoTemplateInput`): its own keys are the
 * fields, in order, and field types follow from the values, so `.Nope` fails as Go's "can't evaluate field".
 */
export function goStruct<F extends Record<string, unknown>>(typeName: string, fields: F): F {
  const copy = { ...fields };
  Object.defineProperty(copy, STRUCT_MARK, { value: typeName, enumerable: false });
  return copy;
}

function structName(x: object): string | undefined {
  return (x as Partial<StructMarked>)[STRUCT_MARK];
}

/** Converts data handed to execute() into the typed model. */
export function fromJS(x: unknown): Value {
  if (x instanceof Value) return x;
  if (x === null || x === undefined) return INVALID;
  switch (typeof x) {
    case 'string':
      return goString(x);
    case 'boolean':
      return goBool(x);
    case 'bigint':
      return new Value(T.int64, x);
    case 'number':
      return Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER ? goInt(x) : goFloat(x);
    case 'object':
      break;
    default:
      return INVALID;
  }
  if (Array.isArray(x)) return goSlice(T.iface, x.map(fromJS));
  if (x instanceof Date) return timeValue(x);
  const obj = x as Record<string, unknown>;
  const sname = structName(obj);
  if (sname !== undefined) {
    const fields: StructField[] = [];
    const vals = new Map<string, Value>();
    for (const [name, raw] of Object.entries(obj)) {
      let fv = fromJS(raw);
      if (fv.kind === 'invalid') fv = goIface(null);
      fields.push({ name, type: fv.t });
      vals.set(name, fv);
    }
    return new Value({ kind: 'struct', name: sname, fields }, vals);
  }
  if (x instanceof Map) {
    return goMap(T.string, T.iface, [...x.entries()].map(([k, v]) => [goString(String(k)), fromJS(v)]));
  }
  return goMap(
    T.string,
    T.iface,
    Object.entries(obj).map(([k, v]) => [goString(k), fromJS(v)]),
  );
}

// time.Time, as sprig's now/date use it.
export interface GoTime {
  /** Milliseconds since the epoch */
  readonly ms: number;
  /** Nanoseconds within the millisecond */
  readonly ns: number;
  /** The zone: offset east of UTC in seconds, and its abbreviation */
  readonly offset: number;
  readonly zone: string;
}

let timeType: GoType | undefined;
export function timeValue(d: Date | GoTime): Value {
  const t: GoTime = d instanceof Date ? localTime(d.getTime(), 0) : d;
  // Loaded lazily: the formatter lives with the sprig functions.
  const type = (timeType ??= (require('./gotime') as typeof import('./gotime')).TIME_TYPE);
  return new Value(type, t);
}

/** The local zone of the process (TZ), as Go's time.Local. */
export function localTime(ms: number, ns: number): GoTime {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset() * 60;
  return { ms, ns, offset, zone: zoneAbbrev(d, offset) };
}

function zoneAbbrev(d: Date, offset: number): string {
  const tz = process.env.TZ;
  if (offset === 0 && (tz === undefined || tz === '' || tz === 'UTC' || tz === 'Etc/UTC')) return 'UTC';
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    if (part && !/^GMT[+-]/.test(part.value)) return part.value;
  } catch {
    // fall through to the numeric form Go uses for zones without an abbreviation
  }
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = Math.floor((a % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

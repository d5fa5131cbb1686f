/** text/template's builtin functions (funcs.go), with Go's signatures and error texts. */
import type { FuncEntry } from './exec';
import { assignable, truth } from './exec';
import { sprint, sprintf, sprintln, toArg } from './fmt';
import {
  FuncError,
  type GoFunc,
  type GoMap,
  type GoType,
  goBool,
  goString,
  indirect,
  indirectInterface,
  INVALID,
  isFloatKind,
  isIntKind,
  isUintKind,
  sliceOf,
  T,
  Value,
  type Complex,
} from './value';

const fn = (params: GoType[], result: GoType, call: (args: Value[]) => Value, extra: Partial<GoFunc> = {}): GoFunc => ({
  params,
  result,
  call,
  ...extra,
});

/** A (T, error) function: FuncError carries the error. */
const fails = { canFail: true } as const;

function indexArg(index: Value, cap: number): number {
  let x: bigint;
  if (isIntKind(index.kind) || isUintKind(index.kind)) x = index.v as bigint;
  else if (index.kind === 'invalid') throw new FuncError('cannot index slice/array with nil');
  else throw new FuncError(`cannot index slice/array with type ${index.t.name}`);
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

/** Go's prepareArg: a map key must be assignable, or an integer convertible, to the key type. */
function prepareArg(value: Value, argType: GoType): Value {
  if (value.kind === 'invalid') {
    if (!['func', 'interface', 'map', 'ptr', 'slice'].includes(argType.kind)) {
      throw new FuncError(`value is nil; should be of type ${argType.name}`);
    }
    return new Value(argType, null);
  }
  if (assignable(value.t, argType)) return argType.kind === 'interface' && value.kind !== 'interface' ? value : value;
  const intLike = (k: string): boolean => isIntKind(k as never) || isUintKind(k as never);
  if (intLike(value.kind) && intLike(argType.kind)) return new Value(argType, value.v);
  throw new FuncError(`value has type ${value.t.name}; should be ${argType.name}`);
}

function length(v: Value): number {
  const k = v.kind;
  if (k === 'string') return Buffer.byteLength(v.v as string, 'utf8');
  if (k === 'slice' || k === 'array') return ((v.v as Value[] | null) ?? []).length;
  if (k === 'map') return (v.v as GoMap | null)?.size ?? 0;
  return -1;
}

/** A Go string indexed by bytes: index and slice work on UTF-8 bytes. */
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function index(item: Value, indexes: Value[]): Value {
  item = indirectInterface(item);
  if (item.kind === 'invalid') throw new FuncError('index of untyped nil');
  for (let idx of indexes) {
    idx = indirectInterface(idx);
    const [it, isNil] = indirect(item);
    if (isNil) throw new FuncError('index of nil pointer');
    item = it;
    switch (item.kind) {
      case 'array':
      case 'slice':
      case 'string': {
        const n = length(item);
        const x = indexArg(idx, n);
        // indexArg lets x == len through; reflect's Index then panics.
        if (x === n) throw new FuncError(`reflect: ${item.kind} index out of range`);
        if (item.kind === 'string') item = new Value(T.uint8, BigInt(utf8(item.v as string)[x] as number));
        else item = ((item.v as Value[] | null) ?? [])[x] as Value;
        break;
      }
      case 'map': {
        const key = prepareArg(idx, item.t.key as GoType);
        const m = item.v as GoMap | null;
        const found = m?.get(key.kind === 'interface' ? indirectInterface(key) : key);
        item = found ?? zeroValue(item.t.elem as GoType);
        break;
      }
      default:
        throw new FuncError(`can't index item of type ${item.t.name}`);
    }
  }
  return item;
}

/** reflect.Zero */
export function zeroValue(t: GoType): Value {
  const k = t.kind;
  if (k === 'string') return new Value(t, '');
  if (k === 'bool') return new Value(t, false);
  if (isIntKind(k) || isUintKind(k)) return new Value(t, 0n);
  if (isFloatKind(k)) return new Value(t, 0);
  if (k === 'complex128') return new Value(t, { re: 0, im: 0 } satisfies Complex);
  return new Value(t, null);
}

function slice(item: Value, indexes: Value[]): Value {
  item = indirectInterface(item);
  if (item.kind === 'invalid') throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  if (item.kind === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    cap = length(item);
  } else if (item.kind === 'array' || item.kind === 'slice') {
    cap = length(item);
  } else {
    throw new FuncError(`can't slice item of type ${item.t.name}`);
  }
  const idx = [0, length(item), 0];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(indirectInterface(x), cap);
  });
  const [lo = 0, hi = 0, max = 0] = idx;
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  if (indexes.length === 3 && hi > max) throw new FuncError(`invalid slice index: ${hi} > ${max}`);
  if (item.kind === 'string') return new Value(item.t, utf8(item.v as string).subarray(lo, hi).toString('utf8'));
  const items = (item.v as Value[] | null) ?? [];
  const t = item.kind === 'array' ? sliceOf(item.t.elem as GoType) : item.t;
  return new Value(t, items.slice(lo, hi));
}

type BasicKind = 'invalid' | 'bool' | 'complex' | 'int' | 'float' | 'string' | 'uint';
function basicKind(v: Value): BasicKind {
  const k = v.kind;
  if (k === 'bool') return 'bool';
  if (isIntKind(k)) return 'int';
  if (isUintKind(k)) return 'uint';
  if (isFloatKind(k)) return 'float';
  if (k === 'complex128') return 'complex';
  if (k === 'string') return 'string';
  return 'invalid';
}

const ERR_BAD_COMPARISON_TYPE = 'invalid type for comparison';
const ERR_BAD_COMPARISON = 'incompatible types for comparison';
const ERR_NO_COMPARISON = 'missing argument for comparison';

function isNilValue(v: Value): boolean {
  if (v.kind === 'invalid') return true;
  return ['func', 'interface', 'map', 'ptr', 'slice'].includes(v.kind) && v.v === null;
}

function comparable(t: GoType): boolean {
  if (t.kind === 'slice' || t.kind === 'map' || t.kind === 'func') return false;
  if (t.kind === 'struct') return (t.fields ?? []).every((f) => comparable(f.type));
  if (t.kind === 'array') return t.elem ? comparable(t.elem) : true;
  return true;
}

/** Go's == on two values of one comparable type. */
function deepEqual(a: Value, b: Value): boolean {
  if (a.t.name !== b.t.name) return false;
  const k = a.kind;
  if (k === 'interface' || k === 'ptr') {
    const x = a.v as Value | null;
    const y = b.v as Value | null;
    if (x === null || y === null) return x === y;
    return k === 'ptr' ? x === y : deepEqual(x, y);
  }
  if (k === 'struct') {
    const x = a.v as Map<string, Value>;
    const y = b.v as Map<string, Value>;
    return [...x.keys()].every((f) => deepEqual(x.get(f) as Value, y.get(f) as Value));
  }
  if (k === 'array') {
    const x = a.v as Value[];
    const y = b.v as Value[];
    return x.length === y.length && x.every((e, i) => deepEqual(e, y[i] as Value));
  }
  if (k === 'complex128') {
    const x = a.v as Complex;
    const y = b.v as Complex;
    return x.re === y.re && x.im === y.im;
  }
  return a.v === b.v;
}

function eq(arg1: Value, arg2: Value[]): boolean {
  arg1 = indirectInterface(arg1);
  if (arg2.length === 0) throw new FuncError(ERR_NO_COMPARISON);
  const k1 = basicKind(arg1);
  for (let arg of arg2) {
    arg = indirectInterface(arg);
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') t = (arg1.v as bigint) >= 0n && (arg1.v as bigint) === (arg.v as bigint);
      else if (k1 === 'uint' && k2 === 'int') t = (arg.v as bigint) >= 0n && (arg1.v as bigint) === (arg.v as bigint);
      else if (arg1.kind !== 'invalid' && arg.kind !== 'invalid') throw new FuncError(ERR_BAD_COMPARISON);
    } else {
      switch (k1) {
        case 'bool':
        case 'float':
        case 'int':
        case 'string':
        case 'uint':
          t = arg1.v === arg.v;
          break;
        case 'complex': {
          const x = arg1.v as Complex;
          const y = arg.v as Complex;
          t = x.re === y.re && x.im === y.im;
          break;
        }
        default: {
          const ka = arg1.kind;
          const kb = arg.kind;
          if (!(ka === kb || ka === 'invalid' || kb === 'invalid')) {
            throw new FuncError(`non-comparable types ${sprintf('%s', [toArg(arg1)])}: ${arg1.t.name}, ${arg.t.name}: ${sprint([toArg(arg)])}`);
          }
          if (isNilValue(arg1) || isNilValue(arg)) {
            t = isNilValue(arg) === isNilValue(arg1);
          } else {
            if (!comparable(arg.t)) throw new FuncError(`non-comparable type ${sprintf('%s', [toArg(arg)])}: ${arg.t.name}`);
            t = deepEqual(arg1, arg);
          }
        }
      }
    }
    if (t) return true;
  }
  return false;
}

function lt(arg1: Value, arg2: Value): boolean {
  arg1 = indirectInterface(arg1);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') throw new FuncError(ERR_BAD_COMPARISON_TYPE);
  arg2 = indirectInterface(arg2);
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') throw new FuncError(ERR_BAD_COMPARISON_TYPE);
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return (arg1.v as bigint) < 0n || (arg1.v as bigint) < (arg2.v as bigint);
    if (k1 === 'uint' && k2 === 'int') return (arg2.v as bigint) >= 0n && (arg1.v as bigint) < (arg2.v as bigint);
    throw new FuncError(ERR_BAD_COMPARISON);
  }
  switch (k1) {
    case 'bool':
    case 'complex':
      throw new FuncError(ERR_BAD_COMPARISON_TYPE);
    case 'string':
      return Buffer.compare(utf8(arg1.v as string), utf8(arg2.v as string)) < 0;
    default:
      return (arg1.v as number | bigint) < (arg2.v as number | bigint);
  }
}

const le = (a: Value, b: Value): boolean => lt(a, b) || eq(a, [b]);

// Escapers.
export function htmlEscapeString(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80) out += ch;
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape */
export function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's evalArgs for the escapers: one string as is, else fmt.Sprint of the printable values. */
function evalArgs(args: Value[]): string {
  if (args.length === 1) {
    const a = indirectInterface(args[0] as Value);
    if (a.kind === 'string' && a.t.name === 'string') return a.v as string;
  }
  // A nil argument reaches printableValue as an invalid value: "<no value>".
  return sprint(args.map((a) => toArg(a) ?? goString('<no value>')));
}

const IFACE_VARIADIC = { variadic: T.iface };

export const BUILTINS: ReadonlyMap<string, FuncEntry> = new Map<string, FuncEntry>([
  ['and', { fn: fn([T.rvalue], T.rvalue, () => INVALID, { variadic: T.rvalue }), shortCircuit: 'and' }],
  ['or', { fn: fn([T.rvalue], T.rvalue, () => INVALID, { variadic: T.rvalue }), shortCircuit: 'or' }],
  ['not', { fn: fn([T.rvalue], T.bool, ([a]) => goBool(!truth(a as Value))) }],
  ['call', { fn: fn([T.rvalue], T.rvalue, ([f]) => callFn(f as Value), { variadic: T.rvalue, ...fails }) }],
  ['html', { fn: fn([], T.string, (a) => goString(htmlEscapeString(evalArgs(a))), IFACE_VARIADIC) }],
  ['js', { fn: fn([], T.string, (a) => goString(jsEscapeString(evalArgs(a))), IFACE_VARIADIC) }],
  ['urlquery', { fn: fn([], T.string, (a) => goString(urlQueryEscape(evalArgs(a))), IFACE_VARIADIC) }],
  ['index', { fn: fn([T.rvalue], T.rvalue, ([item, ...rest]) => index(item as Value, rest), { variadic: T.rvalue, ...fails }) }],
  ['slice', { fn: fn([T.rvalue], T.rvalue, ([item, ...rest]) => slice(item as Value, rest), { variadic: T.rvalue, ...fails }) }],
  [
    'len',
    {
      fn: fn(
        [T.rvalue],
        T.int,
        ([a]) => {
          const [item, isNil] = indirect(a as Value);
          if (isNil) throw new FuncError('len of nil pointer');
          const n = length(item);
          if (item.kind === 'invalid') throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
          if (n < 0) throw new FuncError(`len of type ${item.t.name}`);
          return new Value(T.int, BigInt(n));
        },
        fails,
      ),
    },
  ],
  ['print', { fn: fn([], T.string, (a) => goString(sprint(a.map(toArg))), IFACE_VARIADIC) }],
  ['printf', { fn: fn([T.string], T.string, ([f, ...a]) => goString(sprintf((f as Value).v as string, a.map(toArg))), IFACE_VARIADIC) }],
  ['println', { fn: fn([], T.string, (a) => goString(sprintln(a.map(toArg))), IFACE_VARIADIC) }],
  ['eq', { fn: fn([T.rvalue], T.bool, ([a, ...b]) => goBool(eq(a as Value, b)), { variadic: T.rvalue, ...fails }) }],
  ['ne', { fn: fn([T.rvalue, T.rvalue], T.bool, ([a, b]) => goBool(!eq(a as Value, [b as Value])), fails) }],
  ['lt', { fn: fn([T.rvalue, T.rvalue], T.bool, ([a, b]) => goBool(lt(a as Value, b as Value)), fails) }],
  ['le', { fn: fn([T.rvalue, T.rvalue], T.bool, ([a, b]) => goBool(le(a as Value, b as Value)), fails) }],
  ['gt', { fn: fn([T.rvalue, T.rvalue], T.bool, ([a, b]) => goBool(!le(a as Value, b as Value)), fails) }],
  ['ge', { fn: fn([T.rvalue, T.rvalue], T.bool, ([a, b]) => goBool(!lt(a as Value, b as Value)), fails) }],
]);

function callFn(f: Value): Value {
  const v = indirectInterface(f);
  if (v.kind === 'invalid') throw new FuncError('call of nil');
  throw new FuncError(`non-function of type ${v.t.name}`);
}

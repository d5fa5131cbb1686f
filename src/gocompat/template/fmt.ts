/** Go's fmt.Sprintf, Sprint and Sprintln over typed values, with Go's %!verb(type=value) errors. */
import { canBackquote, formatFloat, isPrintRune, quote, quoteRune } from './strconv';
import type { Complex, GoMap, StructField } from './value';
import { indirectInterface, isFloatKind, isIntKind, isUintKind, Value } from './value';

/** An argument as fmt sees it: a concrete value, or nil (an untyped nil interface). */
export type Arg = Value | null;

/** The interface{} that fmt receives for a template value. */
export function toArg(v: Value): Arg {
  const c = indirectInterface(v);
  return c.kind === 'invalid' ? null : c;
}

const U64 = (1n << 64n) - 1n;
const runeCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

class Printer {
  buf = '';
  wid = 0;
  prec = 0;
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  erroring = false;
  /** What badVerb reports: the top-level argument, or the reflected value being printed */
  arg: Arg = null;
  value: Value | undefined;

  clearflags(): void {
    this.wid = 0;
    this.prec = 0;
    this.widPresent = this.precPresent = this.minus = this.plus = this.sharp = this.space = this.zero = this.plusV = this.sharpV = false;
  }

  writePadding(n: number): void {
    if (n > 0) this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let hex = u.toString(16).toUpperCase();
    if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
    let s = 'U+' + hex;
    if (this.sharp && u <= 0x10ffffn && isPrintRune(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtInteger(u: bigint, base: number, isSigned: boolean, verb: string, upper: boolean): void {
    // u holds the value's bits as a uint64; a signed value is negative when its top bit is set.
    let negative = false;
    let mag = u & U64;
    if (isSigned && mag >= 1n << 63n) {
      negative = true;
      mag = (1n << 64n) - mag;
    }
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && mag === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let digits = mag.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (this.plus) digits = '+' + digits;
    else if (this.space) digits = ' ' + digits;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(digits);
    this.zero = oldZero;
  }

  truncate(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      let i = 0;
      for (const ch of s) {
        n--;
        if (n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  /** %x of a string or byte slice: hex of each byte. */
  fmtSbx(bytes: Uint8Array, upper: boolean): void {
    const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = '';
    const x = upper ? '0X' : '0x';
    if (this.sharp) out += x;
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += x;
      }
      const c = bytes[i] as number;
      out += (digits[c >> 4] as string) + (digits[c & 15] as string);
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(quote(s, '"', this.plus));
  }

  fmtC(c: bigint): void {
    const r = c > 0x10ffffn || (c >= 0xd800n && c <= 0xdfffn) ? 0xfffd : Number(c);
    this.pad(String.fromCodePoint(r));
  }

  fmtQc(c: bigint): void {
    const r = c > 0x10ffffn ? 0xfffd : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  fmtFloatRaw(v: number, size: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec, size);
    if (num[0] === '-' || num[0] === '+') {
      // keep
    } else {
      num = '+' + num;
    }
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let body = num;
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < body.length; i++) {
        const c = body[i] as string;
        if (c === '.') {
          hasDecimalPoint = true;
          continue;
        }
        if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        }
        if (c !== '0') sawNonzeroDigit = true;
        if (sawNonzeroDigit) digits--;
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  badVerb(verb: string): void {
    this.erroring = true;
    this.buf += '%!' + verb + '(';
    if (this.arg !== null) {
      this.buf += this.arg.t.name + '=';
      this.printArg(this.arg, 'v');
    } else if (this.value !== undefined && this.value.kind !== 'invalid') {
      this.buf += this.value.t.name + '=';
      this.printValue(this.value, 'v', 0);
    } else {
      this.buf += '<nil>';
    }
    this.buf += ')';
    this.erroring = false;
  }

  fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  fmtInt(v: bigint, isSigned: boolean, verb: string): void {
    const u = v & U64;
    switch (verb) {
      case 'v':
        if (this.sharpV && !isSigned) {
          const sharp = this.sharp;
          this.sharp = true;
          this.fmtInteger(u, 16, false, 'v', false);
          this.sharp = sharp;
        } else {
          this.fmtInteger(u, 10, isSigned, verb, false);
        }
        return;
      case 'd':
        return this.fmtInteger(u, 10, isSigned, verb, false);
      case 'b':
        return this.fmtInteger(u, 2, isSigned, verb, false);
      case 'o':
      case 'O':
        return this.fmtInteger(u, 8, isSigned, verb, false);
      case 'x':
        return this.fmtInteger(u, 16, isSigned, verb, false);
      case 'X':
        return this.fmtInteger(u, 16, isSigned, verb, true);
      case 'c':
        return this.fmtC(isSigned && u >= 1n << 63n ? 0x110000n : u);
      case 'q':
        return this.fmtQc(isSigned && u >= 1n << 63n ? 0x110000n : u);
      case 'U':
        return this.fmtUnicode(u);
      default:
        return this.badVerb(verb);
    }
  }

  fmtFloat(v: number, size: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloatRaw(v, size, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloatRaw(v, size, verb, -1);
      case 'f':
      case 'e':
      case 'E':
        return this.fmtFloatRaw(v, size, verb, 6);
      case 'F':
        return this.fmtFloatRaw(v, size, 'f', 6);
      default:
        return this.badVerb(verb);
    }
  }

  fmtComplex(v: Complex, size: number, verb: string): void {
    switch (verb) {
      case 'v':
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
      case 'f':
      case 'F':
      case 'e':
      case 'E': {
        const oldPlus = this.plus;
        this.buf += '(';
        this.fmtFloat(v.re, size / 2, verb);
        this.plus = true;
        this.fmtFloat(v.im, size / 2, verb);
        this.buf += 'i)';
        this.plus = oldPlus;
        return;
      }
      default:
        return this.badVerb(verb);
    }
  }

  fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSbx(Buffer.from(v, 'utf8'), false);
      case 'X':
        return this.fmtSbx(Buffer.from(v, 'utf8'), true);
      case 'q':
        return this.fmtQ(v);
      default:
        return this.badVerb(verb);
    }
  }

  fmtBytes(v: Value, verb: string): void {
    const items = (v.v as Value[] | null) ?? [];
    const bytes = Uint8Array.from(items.map((x) => Number(x.v as bigint)));
    switch (verb) {
      case 'v':
      case 'd':
        if (this.sharpV) {
          this.buf += v.t.name;
          if (v.v === null) {
            this.buf += '(nil)';
            return;
          }
          this.buf += '{';
          bytes.forEach((c, i) => {
            if (i > 0) this.buf += ', ';
            this.buf += '0x' + c.toString(16);
          });
          this.buf += '}';
        } else {
          this.buf += '[';
          bytes.forEach((c, i) => {
            if (i > 0) this.buf += ' ';
            this.fmtInteger(BigInt(c), 10, false, verb, false);
          });
          this.buf += ']';
        }
        return;
      case 's':
        return this.fmtS(Buffer.from(bytes).toString('utf8'));
      case 'x':
        return this.fmtSbx(bytes, false);
      case 'X':
        return this.fmtSbx(bytes, true);
      case 'q':
        return this.fmtQ(Buffer.from(bytes).toString('utf8'));
      default:
        return this.printValueInner(v, verb, 0);
    }
  }

  /** Stringer and error: the verbs that take a string print String()'s result. */
  handleMethods(arg: Value, verb: string): boolean {
    if (this.erroring) return false;
    const str = arg.t.stringer;
    if (str === undefined || this.sharpV) return false;
    if (verb === 'v' || verb === 's' || verb === 'x' || verb === 'X' || verb === 'q') {
      this.fmtString(str(arg), verb);
      return true;
    }
    return false;
  }

  printArg(arg: Arg, verb: string): void {
    this.arg = arg;
    this.value = undefined;
    if (arg === null) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') {
      this.fmtS(arg.t.name);
      return;
    }
    if (verb === 'p') {
      this.fmtPointer(arg, 'p');
      return;
    }
    const k = arg.kind;
    if (k === 'bool') return this.fmtBool(arg.v as boolean, verb);
    if (isFloatKind(k)) return this.fmtFloat(arg.v as number, k === 'float32' ? 32 : 64, verb);
    if (k === 'complex128') return this.fmtComplex(arg.v as Complex, 128, verb);
    if (isIntKind(k)) return this.fmtInt(arg.v as bigint, true, verb);
    if (isUintKind(k)) return this.fmtInt(arg.v as bigint, false, verb);
    if (k === 'string' && arg.t.name === 'string') return this.fmtString(arg.v as string, verb);
    if (k === 'slice' && arg.t.name === '[]uint8') return this.fmtBytes(arg, verb);
    if (!this.handleMethods(arg, verb)) this.printValue(arg, verb, 0);
  }

  fmtPointer(v: Value, verb: string): void {
    if (!['slice', 'map', 'ptr', 'func'].includes(v.kind)) {
      this.badVerb(verb);
      return;
    }
    // Addresses have no meaning here; print Go's nil form, or a stable stand-in.
    const isNil = v.v === null;
    if (verb === 'v' || verb === 'p') {
      this.pad(isNil ? (verb === 'v' ? '<nil>' : '0x0') : '0xc000010000');
    } else {
      this.badVerb(verb);
    }
  }

  printValue(value: Value, verb: string, depth: number): void {
    if (depth > 0 && value.kind !== 'invalid' && value.kind !== 'interface') {
      this.arg = value;
      if (this.handleMethods(value, verb)) return;
    }
    this.printValueInner(value, verb, depth);
  }

  printValueInner(value: Value, verb: string, depth: number): void {
    this.arg = null;
    this.value = value;
    const k = value.kind;
    switch (k) {
      case 'invalid':
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v') this.buf += '<nil>';
        else this.badVerb(verb);
        return;
      case 'bool':
        return this.fmtBool(value.v as boolean, verb);
      case 'float32':
      case 'float64':
        return this.fmtFloat(value.v as number, k === 'float32' ? 32 : 64, verb);
      case 'complex128':
        return this.fmtComplex(value.v as Complex, 128, verb);
      case 'string':
        return this.fmtString(value.v as string, verb);
      case 'map':
        return this.printMap(value, verb, depth);
      case 'struct':
        return this.printStruct(value, verb, depth);
      case 'interface': {
        const inner = value.v as Value | null;
        if (inner === null) {
          if (this.sharpV) this.buf += value.t.name + '(nil)';
          else this.buf += '<nil>';
        } else {
          this.printValue(inner, verb, depth + 1);
        }
        return;
      }
      case 'slice':
      case 'array':
        return this.printSlice(value, verb, depth);
      case 'ptr': {
        const inner = value.v as Value | null;
        if (depth === 0 && inner !== null && ['array', 'slice', 'struct', 'map'].includes(inner.kind)) {
          this.buf += '&';
          this.printValue(inner, verb, depth + 1);
          return;
        }
        return this.fmtPointer(value, verb);
      }
      case 'func':
        return this.fmtPointer(value, verb);
      default:
        if (isIntKind(k)) return this.fmtInt(value.v as bigint, true, verb);
        if (isUintKind(k)) return this.fmtInt(value.v as bigint, false, verb);
        this.buf += `?${value.t.name}?`;
    }
  }

  printMap(value: Value, verb: string, depth: number): void {
    const m = value.v as GoMap | null;
    if (this.sharpV) {
      this.buf += value.t.name;
      if (m === null) {
        this.buf += '(nil)';
        return;
      }
      this.buf += '{';
    } else {
      this.buf += 'map[';
    }
    sortedEntries(m).forEach(([key, val], i) => {
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      this.printValue(key, verb, depth + 1);
      this.buf += ':';
      this.printValue(val, verb, depth + 1);
    });
    this.buf += this.sharpV ? '}' : ']';
  }

  printStruct(value: Value, verb: string, depth: number): void {
    const fields = value.t.fields ?? [];
    const vals = value.v as Map<string, Value>;
    if (this.sharpV) this.buf += value.t.name;
    this.buf += '{';
    fields.forEach((f: StructField, i) => {
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      if (this.plusV || this.sharpV) this.buf += f.name + ':';
      let fv = vals.get(f.name) as Value;
      if (fv.kind === 'interface' && fv.v !== null) fv = fv.v as Value;
      this.printValue(fv, verb, depth + 1);
    });
    this.buf += '}';
  }

  printSlice(value: Value, verb: string, depth: number): void {
    const items = (value.v as Value[] | null) ?? [];
    if ((verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') && value.t.elem?.kind === 'uint8') {
      this.fmtBytes(value, verb);
      return;
    }
    if (this.sharpV) {
      this.buf += value.t.name;
      if (value.kind === 'slice' && value.v === null) {
        this.buf += '(nil)';
        return;
      }
      this.buf += '{';
      items.forEach((x, i) => {
        if (i > 0) this.buf += ', ';
        this.printValue(x, verb, depth + 1);
      });
      this.buf += '}';
    } else {
      this.buf += '[';
      items.forEach((x, i) => {
        if (i > 0) this.buf += ' ';
        this.printValue(x, verb, depth + 1);
      });
      this.buf += ']';
    }
  }

  doPrintf(format: string, a: readonly Arg[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    let reordered = false;
    let goodArgNum = true;

    const parsenum = (s: string, start: number, e: number): [number, boolean, number] => {
      if (start >= e) return [0, false, e];
      let num = 0;
      let isnum = false;
      let i = start;
      for (; i < e && s[i] !== undefined && (s[i] as string) >= '0' && (s[i] as string) <= '9'; i++) {
        if (num > 1e6 || num < -1e6) return [0, false, e];
        num = num * 10 + (s.charCodeAt(i) - 48);
        isnum = true;
      }
      return [num, isnum, i];
    };
    const argNumber = (i: number, numArgs: number): [number, number, boolean] => {
      if (format.length <= i || format[i] !== '[') return [argNum, i, false];
      reordered = true;
      // parseArgNumber
      const sub = format.slice(i);
      let index = 0;
      let wid = 1;
      let ok = false;
      if (sub.length >= 3) {
        for (let j = 1; j < sub.length; j++) {
          if (sub[j] === ']') {
            const [width, isnum, newi] = parsenum(sub, 1, j);
            if (!isnum || newi !== j) {
              index = 0;
              wid = j + 1;
              ok = false;
            } else {
              index = width - 1;
              wid = j + 1;
              ok = true;
            }
            break;
          }
        }
      }
      if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
      goodArgNum = false;
      return [argNum, i + wid, ok];
    };
    const intFromArg = (n: number): [number, boolean, number] => {
      let num = 0;
      let isInt = false;
      let newArgNum = n;
      if (n < a.length) {
        const x = a[n] ?? null;
        if (x !== null && (isIntKind(x.kind) || isUintKind(x.kind))) {
          const big = x.v as bigint;
          if (big >= -(1n << 63n) && big < 1n << 63n) {
            num = Number(big);
            isInt = true;
          }
        }
        newArgNum = n + 1;
        if (num > 1e6 || num < -1e6) {
          num = 0;
          isInt = false;
        }
      }
      return [num, isInt, newArgNum];
    };

    let i = 0;
    formatLoop: while (i < end) {
      goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++;
      this.clearflags();
      simple: for (; i < end; i++) {
        const c = format[i] as string;
        switch (c) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = !this.minus;
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            this.zero = false;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            if (c >= 'a' && c <= 'z' && argNum < a.length) {
              if (c === 'v') {
                this.sharpV = this.sharp;
                this.sharp = false;
                this.plusV = this.plus;
                this.plus = false;
              }
              this.printArg(a[argNum] ?? null, c);
              argNum++;
              i++;
              continue formatLoop;
            }
            break simple;
        }
      }
      [argNum, i, afterIndex] = argNumber(i, a.length);
      if (i < end && format[i] === '*') {
        i++;
        [this.wid, this.widPresent, argNum] = intFromArg(argNum);
        if (!this.widPresent) this.buf += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = parsenum(format, i, end);
        if (afterIndex && this.widPresent) goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) goodArgNum = false;
        [argNum, i, afterIndex] = argNumber(i, a.length);
        if (i < end && format[i] === '*') {
          i++;
          [this.prec, this.precPresent, argNum] = intFromArg(argNum);
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = parsenum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) [argNum, i, afterIndex] = argNumber(i, a.length);
      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const cp = format.codePointAt(i) ?? 0;
      const verb = String.fromCodePoint(cp);
      i += verb.length;
      if (verb === '%') {
        this.buf += '%';
      } else if (!goodArgNum) {
        this.buf += '%!' + verb + '(BADINDEX)';
      } else if (argNum >= a.length) {
        this.buf += '%!' + verb + '(MISSING)';
      } else {
        if (verb === 'v') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(a[argNum] ?? null, verb);
        argNum++;
      }
    }
    if (!reordered && argNum < a.length) {
      this.clearflags();
      this.buf += '%!(EXTRA ';
      a.slice(argNum).forEach((arg, j) => {
        if (j > 0) this.buf += ', ';
        if (arg === null) {
          this.buf += '<nil>';
        } else {
          this.buf += arg.t.name + '=';
          this.printArg(arg, 'v');
        }
      });
      this.buf += ')';
    }
  }
}

/** Map entries in fmtsort order: numbers and strings ascending, false before true, nil first. */
export function sortedEntries(m: GoMap | null): [Value, Value][] {
  if (m === null) return [];
  return [...m.entries.values()].sort((x, y) => compareKeys(x[0], y[0]));
}

export function compareKeys(a: Value, b: Value): number {
  const x = a.kind === 'interface' ? ((a.v as Value | null) ?? undefined) : a;
  const y = b.kind === 'interface' ? ((b.v as Value | null) ?? undefined) : b;
  if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
  if (x.kind !== y.kind) return x.kind < y.kind ? -1 : 1;
  const xv = x.v;
  const yv = y.v;
  if (typeof xv === 'string' && typeof yv === 'string') {
    const bx = Buffer.from(xv, 'utf8');
    const by = Buffer.from(yv, 'utf8');
    return Buffer.compare(bx, by);
  }
  if (typeof xv === 'boolean') return xv === yv ? 0 : xv ? 1 : -1;
  if ((typeof xv === 'bigint' && typeof yv === 'bigint') || (typeof xv === 'number' && typeof yv === 'number')) {
    return xv < yv ? -1 : xv > yv ? 1 : 0;
  }
  return 0;
}

export function sprintf(format: string, args: readonly Arg[]): string {
  const p = new Printer();
  p.doPrintf(format, args);
  return p.buf;
}

export function sprint(args: readonly Arg[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = arg !== null && arg.kind === 'string';
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

export function sprintln(args: readonly Arg[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.buf += ' ';
    p.printArg(arg, 'v');
  });
  return p.buf + '\n';
}

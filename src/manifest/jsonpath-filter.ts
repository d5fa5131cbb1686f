/**
 * JSONPath filter expressions `[?(...)]` with the grammar and semantics of the
 * Go reimage's library (AsaiYusuke/jsonpath): `@`/`$` paths, string, number,
 * bool and null literals, `== != < <= > >=`, `=~ /regexp/` (Go syntax, run on
 * re2js), `&&`, `||`, `!`, parentheses, and existence checks (`@.image`).
 *
 * Semantics kept from Go: a missing member makes a comparison false (so `!=`
 * is true); values compare only with the same JSON type; `<`-style
 * comparisons take numbers or strings; an existence check is true for a
 * member that is present, even when it is null or false.
 */
import { parseGoRegexp } from '../gocompat/regexp';
import { isRecord } from '../util/record';

/**
 * A query we cannot or will not run. The message reads as the Go library's:
 * `invalid syntax (position=N, reason=..., near=...)`.
 */
export class JsonPathSyntaxError extends Error {
  override name = 'JsonPathSyntaxError';
}

export function syntaxError(q: string, position: number, reason: string): JsonPathSyntaxError {
  return new JsonPathSyntaxError(`invalid syntax (position=${position}, reason=${reason}, near=${q.slice(position)})`);
}

/** A compiled filter: is the element `v` (in the document `root`) selected? */
export type CompiledFilter = (v: unknown, root: unknown) => boolean;

type Seg = { kind: 'name'; name: string } | { kind: 'index'; index: number } | { kind: 'wild' } | { kind: 'desc'; name: string | undefined };
type Operand = { kind: 'lit'; value: unknown } | { kind: 'path'; root: boolean; segs: Seg[]; group: boolean };
type Cmp = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Expr =
  | { kind: 'or' | 'and'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'exists'; path: Operand & { kind: 'path' } }
  | { kind: 'cmp'; op: Cmp; left: Operand; right: Operand }
  | { kind: 're'; left: Operand; test: (s: string) => boolean };

const NAME = /^(?:\\[ -~]|[^\x00-\x1f\x7f !-,./:-@[-^`{-~])+/;
const NUMBER = /^[-+]?[0-9][-+.0-9a-zA-Z]*/;

class FilterParser {
  private i = 0;

  /** `q` is the whole query (for messages), `base` the offset of `body` in it. */
  constructor(
    private readonly q: string,
    private readonly base: number,
    private readonly body: string,
  ) {}

  private fail(reason: string): never {
    throw syntaxError(this.q, this.base + this.i, reason);
  }

  private ws(): void {
    while (this.body[this.i] === ' ') this.i++;
  }

  private eat(s: string): boolean {
    this.ws();
    if (this.body.startsWith(s, this.i)) {
      this.i += s.length;
      return true;
    }
    return false;
  }

  parse(): Expr {
    const e = this.or();
    this.ws();
    if (this.i < this.body.length) this.fail('unrecognized input');
    return e;
  }

  private or(): Expr {
    let left = this.and();
    while (this.eat('||')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.basic();
    while (this.eat('&&')) left = { kind: 'and', left, right: this.basic() };
    return left;
  }

  private basic(): Expr {
    this.ws();
    if (this.eat('(')) {
      const e = this.or();
      if (!this.eat(')')) this.fail('unrecognized input');
      return e;
    }
    if (this.body[this.i] === '!' && this.body[this.i + 1] !== '=') {
      this.i++;
      return { kind: 'not', expr: this.basic() };
    }
    const left = this.operand();
    this.ws();
    if (this.eat('=~')) {
      if (left.kind !== 'path' || left.group) this.fail('a regular expression needs a single path on its left');
      this.ws();
      const m = /^\/((?:[^/\\]|\\.)*)\//.exec(this.body.slice(this.i));
      if (!m) this.fail('unrecognized input');
      const at = this.i;
      this.i += m[0].length;
      try {
        const re = parseGoRegexp((m[1] as string).replace(/\\\//g, '/'));
        return { kind: 're', left, test: (s) => re.test(s) };
      } catch (e) {
        this.i = at;
        return this.fail(`invalid regexp: ${(e as Error).message}`);
      }
    }
    for (const op of ['==', '!=', '<=', '>=', '<', '>'] as const) {
      if (this.eat(op)) {
        const right = this.operand();
        for (const side of [left, right]) if (side.kind === 'path' && side.group) this.fail('a comparison needs single paths, not value groups');
        return { kind: 'cmp', op, left, right };
      }
    }
    if (left.kind !== 'path') this.fail('unrecognized input');
    return { kind: 'exists', path: left };
  }

  private operand(): Operand {
    this.ws();
    const rest = this.body.slice(this.i);
    const c = rest[0];
    if (c === '@' || c === '$') {
      this.i++;
      return this.path(c === '$');
    }
    if (c === "'" || c === '"') return { kind: 'lit', value: this.string() };
    const num = NUMBER.exec(rest);
    if (num) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) this.fail(`invalid number ${num[0]}`);
      this.i += num[0].length;
      return { kind: 'lit', value };
    }
    for (const [words, value] of [
      [['true', 'True', 'TRUE'], true],
      [['false', 'False', 'FALSE'], false],
      [['null', 'Null', 'NULL'], null],
    ] as const) {
      const w = words.find((x) => rest.startsWith(x));
      if (w) {
        this.i += w.length;
        return { kind: 'lit', value };
      }
    }
    return this.fail('unrecognized input');
  }

  private string(): string {
    const quote = this.body[this.i] as string;
    let out = '';
    for (let j = this.i + 1; j < this.body.length; j++) {
      const ch = this.body[j] as string;
      if (ch === quote) {
        this.i = j + 1;
        return out;
      }
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const n = this.body[j + 1];
      const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '/': '/', '\\': '\\', [quote]: quote };
      if (n !== undefined && n in simple) {
        out += simple[n];
        j++;
      } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(this.body.slice(j + 2, j + 6))) {
        out += String.fromCharCode(parseInt(this.body.slice(j + 2, j + 6), 16));
        j += 5;
      } else this.fail('invalid escape in string literal');
    }
    return this.fail('unterminated string literal');
  }

  private path(root: boolean): Operand & { kind: 'path' } {
    const segs: Seg[] = [];
    let group = false;
    for (;;) {
      const rest = this.body.slice(this.i);
      if (rest.startsWith('..')) {
        this.i += 2;
        group = true;
        if (this.body[this.i] === '*') {
          this.i++;
          segs.push({ kind: 'desc', name: undefined });
          continue;
        }
        const m = NAME.exec(this.body.slice(this.i));
        if (!m) this.fail('unrecognized input');
        this.i += m[0].length;
        segs.push({ kind: 'desc', name: m[0].replace(/\\(.)/g, '$1') });
      } else if (rest.startsWith('.*') || rest.startsWith('[*]')) {
        this.i += rest.startsWith('.*') ? 2 : 3;
        group = true;
        segs.push({ kind: 'wild' });
      } else if (rest[0] === '.') {
        this.i++;
        const m = NAME.exec(this.body.slice(this.i));
        if (!m) this.fail('unrecognized input');
        if (this.body.startsWith('()', this.i + m[0].length)) this.fail('functions are not supported by this port');
        this.i += m[0].length;
        segs.push({ kind: 'name', name: m[0].replace(/\\(.)/g, '$1') });
      } else if (rest[0] === '[') {
        this.i++;
        this.ws();
        const ch = this.body[this.i];
        if (ch === "'" || ch === '"') segs.push({ kind: 'name', name: this.string() });
        else {
          const m = /^[-+]?\d+/.exec(this.body.slice(this.i));
          if (!m) this.fail('this port supports only names, indexes and * in filter paths');
          this.i += m[0].length;
          segs.push({ kind: 'index', index: Number(m[0]) });
        }
        if (!this.eat(']')) this.fail('this port supports only names, indexes and * in filter paths');
      } else break;
    }
    return { kind: 'path', root, segs, group };
  }
}


function childrenOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : isRecord(v) ? Object.values(v) : [];
}

function descend(v: unknown, name: string | undefined, out: unknown[]): void {
  // Bounded by the document's node budget, checked before any rule runs (see locate).
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const cur = stack.pop();
    if (name === undefined) {
      const kids = childrenOf(cur);
      for (const k of kids) out.push(k);
      for (let j = kids.length - 1; j >= 0; j--) stack.push(kids[j]);
    } else {
      if (isRecord(cur) && Object.hasOwn(cur, name)) out.push(cur[name]);
      const kids = childrenOf(cur);
      for (let j = kids.length - 1; j >= 0; j--) stack.push(kids[j]);
    }
  }
}

function select(start: unknown, segs: readonly Seg[]): unknown[] {
  let cur: unknown[] = [start];
  for (const s of segs) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s.kind === 'name') {
        if (isRecord(v) && Object.hasOwn(v, s.name)) next.push(v[s.name]);
      } else if (s.kind === 'index') {
        if (Array.isArray(v)) {
          const i = s.index < 0 ? v.length + s.index : s.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (s.kind === 'wild') for (const k of childrenOf(v)) next.push(k);
      else descend(v, s.name, next);
    }
    cur = next;
  }
  return cur;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function compare(op: Cmp, a: unknown, b: unknown): boolean {
  if (op === '==') return deepEqual(a, b);
  if (op === '!=') return !deepEqual(a, b);
  const sameKind = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!sameKind) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function evaluate(e: Expr, v: unknown, root: unknown): boolean {
  const values = (o: Operand): unknown[] => (o.kind === 'lit' ? [o.value] : select(o.root ? root : v, o.segs));
  switch (e.kind) {
    case 'or':
      return evaluate(e.left, v, root) || evaluate(e.right, v, root);
    case 'and':
      return evaluate(e.left, v, root) && evaluate(e.right, v, root);
    case 'not':
      return !evaluate(e.expr, v, root);
    case 'exists':
      return select(e.path.root ? root : v, e.path.segs).length > 0;
    case 're': {
      const [s] = values(e.left);
      return typeof s === 'string' && e.test(s);
    }
    case 'cmp': {
      const l = values(e.left);
      const r = values(e.right);
      // Go: `!=` is `not ==`, so a missing member is "not equal".
      if (l.length === 0 || r.length === 0) return e.op === '!=';
      return compare(e.op, l[0], r[0]);
    }
  }
}

/** Parses the body of `[?(body)]`, found at offset `base` of query `q`. Throws JsonPathSyntaxError. */
export function parseFilter(q: string, base: number, body: string): CompiledFilter {
  const expr = new FilterParser(q, base, body).parse();
  return (v, root) => evaluate(expr, v, root);
}

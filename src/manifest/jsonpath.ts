/**
 * JSONPath queries in the dialect of the Go reimage's library
 * (github.com/AsaiYusuke/jsonpath): a leading `$` is optional (`spec.image`),
 * and filters `[?(...)]` follow its grammar and semantics (comparisons,
 * `=~ /regexp/` with Go regexps, `&&`, `||`, `!`, existence checks).
 *
 * Queries are parsed strictly here; jsonpath-plus then walks the document
 * (it accepts broken syntax silently, so it never sees user text). Filters
 * run under its `eval: "safe"` evaluator, which runs no code: the only thing
 * it evaluates is a call to the filter compiled here (see jsonpath-filter).
 */
import type { JSONPath as JSONPathFn } from 'jsonpath-plus';
import { JsonPathSyntaxError, parseFilter, syntaxError, type CompiledFilter } from './jsonpath-filter';

export { JsonPathSyntaxError };

/** A parsed query: jsonpath-plus path elements, and the filters its `?(...)` elements call. */
export interface ParsedJsonPath {
  readonly source: string;
  readonly elements: ReadonlyArray<string | number>;
  readonly filters: readonly CompiledFilter[];
}

// Characters jsonpath-plus treats specially inside one path element (it re-parses the path as a string).
const PLUS_SPECIAL = /[,~^@`'"[\]();]|^\*$|^\.\.$|^\$$/;
// Go's memberNameShorthand: anything printable but the signs other than - and _ (escapable with \).
const NAME = /^(?:\\[ -~]|[^\x00-\x1f\x7f !-,./:-@[-^`{-~])+/;

function parseQuoted(q: string, i: number): { name: string; next: number } {
  const quote = q[i] as string;
  let name = '';
  for (let j = i + 1; j < q.length; j++) {
    const c = q[j] as string;
    if (c === '\\') {
      const n = q[j + 1];
      if (n === undefined) break;
      if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(q.slice(j + 2, j + 6))) {
        name += String.fromCharCode(parseInt(q.slice(j + 2, j + 6), 16));
        j += 5;
        continue;
      }
      const esc: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '/': '/', '\\': '\\', [quote]: quote };
      if (!(n in esc)) throw syntaxError(q, i, 'invalid escape in quoted name');
      name += esc[n];
      j++;
    } else if (c === quote) return { name, next: j + 1 };
    else name += c;
  }
  throw syntaxError(q, i, 'unterminated quoted name');
}

function checkName(q: string, at: number, name: string): string {
  if (PLUS_SPECIAL.test(name)) throw syntaxError(q, at, `member name ${JSON.stringify(name)} is not supported by this port`);
  return name;
}

const INT = /^[-+]?\d+$/;
const SLICE = /^([-+]?\d+)?\s*:\s*([-+]?\d+)?(?:\s*:\s*([-+]?\d+)?)?$/;

/** One `[...]` selector list (no filter) -> a jsonpath-plus path element. */
function bracketElement(q: string, at: number, parts: string[], quoted: boolean[]): string | number {
  if (parts.length === 1 && !quoted[0]) {
    const p = parts[0] as string;
    if (p === '*') return '*';
    if (INT.test(p)) {
      const n = Number(p);
      // jsonpath-plus has no negative index; a one-element slice is the same thing.
      return n >= 0 ? n : `${n}:${n + 1 === 0 ? '' : n + 1}`;
    }
    const s = SLICE.exec(p);
    if (s) {
      if (s[3] !== undefined && Number(s[3]) <= 0) throw syntaxError(q, at, 'slices with a step below 1 are not supported by this port');
      return `${s[1] ?? ''}:${s[2] ?? ''}${s[3] !== undefined ? `:${s[3]}` : ''}`;
    }
    throw syntaxError(q, at, 'unrecognized input');
  }
  const out: string[] = [];
  parts.forEach((p, k) => {
    if (quoted[k]) out.push(checkName(q, at, p));
    else if (/^\d+$/.test(p)) out.push(p);
    else throw syntaxError(q, at, 'unrecognized input');
  });
  if (quoted.some((x) => x) && quoted.some((x) => !x)) throw syntaxError(q, at, 'unrecognized input');
  return out.join(',');
}

/** End of the `[?( ... )]` starting at `i` (index of `[`): the index after `]`, skipping quoted strings and regexps. */
function filterEnd(q: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < q.length; j++) {
    const c = q[j];
    if (c === "'" || c === '"') {
      for (j++; j < q.length && q[j] !== c; j++) if (q[j] === '\\') j++;
    } else if (c === '/' && /=~\s*$/.test(q.slice(i, j))) {
      for (j++; j < q.length && q[j] !== '/'; j++) if (q[j] === '\\') j++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ']' && depth === 0) return j + 1;
  }
  throw syntaxError(q, i, 'unrecognized input');
}

/** Parses a query; throws JsonPathSyntaxError. */
export function parseJsonPath(q: string): ParsedJsonPath {
  const elements: Array<string | number> = ['$'];
  const filters: CompiledFilter[] = [];
  let i = 0;
  while (q[i] === ' ') i++;
  if (q[i] === '$') i++;
  else if (q[i] !== '.' && q[i] !== '[') {
    // A rootless query starts with a member name: `spec.image` is `$.spec.image`.
    const m = NAME.exec(q.slice(i));
    if (!m) throw syntaxError(q, i, 'unrecognized input');
    elements.push(checkName(q, i, unescapeName(m[0])));
    i += m[0].length;
  }
  while (i < q.length) {
    const start = i;
    const c = q[i];
    if (c === ' ' && q.slice(i).trim() === '') break;
    if (c === '.') {
      if (q[i + 1] === '.') {
        i += 2;
        elements.push('..');
        if (q[i] === '[') continue;
      } else i++;
      if (q[i] === '*') {
        elements.push('*');
        i++;
        continue;
      }
      const m = NAME.exec(q.slice(i));
      if (!m) throw syntaxError(q, start, 'unrecognized input');
      if (q.startsWith('()', i + m[0].length)) throw syntaxError(q, start, 'functions are not supported by this port');
      elements.push(checkName(q, start, unescapeName(m[0])));
      i += m[0].length;
    } else if (c === '[') {
      let j = i + 1;
      while (q[j] === ' ') j++;
      if (q[j] === '?' && q[j + 1] === '(') {
        const end = filterEnd(q, i);
        const open = q.indexOf('(', i) + 1;
        const body = q.slice(open, end).replace(/\)\s*\]$/, '');
        filters.push(parseFilter(q, open, body));
        // The only code the safe evaluator runs: a call of the filter compiled above.
        elements.push(`?(__reimageFilter${filters.length - 1}(@ ,@root))`);
        i = end;
        continue;
      }
      if (q[j] === '(') throw syntaxError(q, start, 'script expressions [(...)] are not supported');
      const parts: string[] = [];
      const quoted: boolean[] = [];
      for (;;) {
        while (q[j] === ' ') j++;
        if (q[j] === "'" || q[j] === '"') {
          const r = parseQuoted(q, j);
          parts.push(r.name);
          quoted.push(true);
          j = r.next;
        } else {
          const m = /^[^,\]'"]+/.exec(q.slice(j));
          if (!m) throw syntaxError(q, start, 'unrecognized input');
          parts.push(m[0].trim());
          quoted.push(false);
          j += m[0].length;
        }
        while (q[j] === ' ') j++;
        if (q[j] === ',') {
          j++;
          continue;
        }
        if (q[j] === ']') {
          j++;
          break;
        }
        throw syntaxError(q, start, 'unrecognized input');
      }
      elements.push(bracketElement(q, start, parts, quoted));
      i = j;
    } else {
      throw syntaxError(q, start, 'unrecognized input');
    }
  }
  return { source: q, elements, filters };
}

function unescapeName(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function fromPointer(pointer: string, root: unknown): Array<string | number> {
  if (pointer === '') return [];
  const out: Array<string | number> = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const n = Number(seg);
      out.push(n);
      cur = cur[n];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

let jsonPathFn: typeof JSONPathFn | undefined;

/** Every match of a parsed query in `json`, as a path of keys and indexes with its value. */
export function queryJsonPath(query: ParsedJsonPath, json: unknown): Array<{ path: Array<string | number>; value: unknown }> {
  if (json === null || typeof json !== 'object') return [];
  // Loaded on first use: most runs have no resource that a rule matches.
  jsonPathFn ??= (require('jsonpath-plus') as typeof import('jsonpath-plus')).JSONPath;
  const sandbox: Record<string, (v: unknown, root: unknown) => boolean> = {};
  query.filters.forEach((f, k) => (sandbox[`__reimageFilter${k}`] = (v, root) => f(v, root)));
  // jsonpath-plus turns a path array back into a string and re-parses it, which mangles filters
  // (`['?(...)']` gains a `..`). Its parse cache is keyed by the string, so seeding it hands over the
  // elements exactly as parsed here.
  const key = `\u0000reimage:${JSON.stringify(query.elements)}`;
  const cache = (jsonPathFn as unknown as { cache: Record<string, Array<string | number>> }).cache;
  cache[key] ??= [...query.elements];
  const found = jsonPathFn({
    path: key,
    json: json as object,
    eval: query.filters.length > 0 ? 'safe' : false,
    // A plain object, whatever the typings say: the safe evaluator reads its own properties.
    sandbox: sandbox as unknown as Map<string, unknown>,
    resultType: 'all',
    wrap: true,
  }) as unknown as Array<{ pointer: string; value: unknown }>;
  return found.map((r) => ({ path: fromPointer(r.pointer, json), value: r.value }));
}

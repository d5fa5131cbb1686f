/**
 * JSONPath queries in the Go reimage's dialect. jsonpath-plus does the
 * evaluation (with `eval: false`: older versions ran filter code, an RCE), but
 * it accepts broken syntax silently (`$.spec[` matches `spec`), so queries are
 * parsed strictly here first and handed over as path arrays.
 */
import { JSONPath } from 'jsonpath-plus';

/** Thrown for a query we cannot or will not run; the message has no prefix. */
export class JsonPathSyntaxError extends Error {
  override name = 'JsonPathSyntaxError';
}

// Characters jsonpath-plus treats specially inside one path element.
const PLUS_SPECIAL = /[,~^@`'[\]]|^\?\(|^\(|^\*$|^\.\.$|^\$$/;
const NAME = /^[^.[\]\s'"()=!<>~,@$*?|&]+/;

function parseQuoted(q: string, i: number): { name: string; next: number } {
  const quote = q[i] as string;
  let name = '';
  let j = i + 1;
  for (; j < q.length; j++) {
    const c = q[j] as string;
    if (c === '\\') {
      const n = q[j + 1];
      if (n === undefined) break;
      name += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      j++;
    } else if (c === quote) return { name, next: j + 1 };
    else name += c;
  }
  throw new JsonPathSyntaxError(`unterminated quoted name at offset ${i}`);
}

function checkName(name: string): string {
  if (name === '') throw new JsonPathSyntaxError('empty member name');
  if (PLUS_SPECIAL.test(name)) throw new JsonPathSyntaxError(`member name ${JSON.stringify(name)} is not supported`);
  return name;
}

const INT = /^-?\d+$/;
const SLICE = /^(-?\d+)?:(-?\d+)?(?::(-?\d+))?$/;

/** One `[...]` selector list -> a jsonpath-plus path element. */
function bracketElement(parts: string[], quoted: boolean[]): string | number {
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
      if (s[3] !== undefined && Number(s[3]) <= 0) throw new JsonPathSyntaxError(`slice step must be positive: [${p}]`);
      return p;
    }
    throw new JsonPathSyntaxError(`invalid selector [${p}]`);
  }
  const out: string[] = [];
  parts.forEach((p, k) => {
    if (quoted[k]) out.push(checkName(p));
    else if (/^\d+$/.test(p)) out.push(p);
    else throw new JsonPathSyntaxError(`invalid union member ${JSON.stringify(p)}`);
  });
  return out.join(',');
}

/** Parses a query into jsonpath-plus path elements; rejects filters and scripts, which need eval. */
export function parseJsonPath(q: string): Array<string | number> {
  if (!q.startsWith('$')) throw new JsonPathSyntaxError('a query must start with $');
  const out: Array<string | number> = ['$'];
  let i = 1;
  while (i < q.length) {
    const c = q[i];
    if (c === '.') {
      let recursive = false;
      if (q[i + 1] === '.') {
        recursive = true;
        out.push('..');
        i += 2;
        if (q[i] === '[') continue;
      } else i++;
      if (q[i] === '*') {
        out.push('*');
        i++;
        continue;
      }
      const m = NAME.exec(q.slice(i));
      if (!m) throw new JsonPathSyntaxError(`expected a member name after ${recursive ? '..' : '.'} at offset ${i}`);
      out.push(checkName(m[0]));
      i += m[0].length;
    } else if (c === '[') {
      i++;
      if (q[i] === '?' || q[i] === '(') {
        throw new JsonPathSyntaxError('filter and script expressions ([?(...)], [(...)]) are not supported: jsonpath eval is disabled');
      }
      const parts: string[] = [];
      const quoted: boolean[] = [];
      for (;;) {
        while (q[i] === ' ') i++;
        if (q[i] === undefined) throw new JsonPathSyntaxError('missing ]');
        if (q[i] === "'" || q[i] === '"') {
          const r = parseQuoted(q, i);
          parts.push(r.name);
          quoted.push(true);
          i = r.next;
        } else {
          const m = /^[^,\]\s]+/.exec(q.slice(i));
          if (!m) throw new JsonPathSyntaxError(`empty selector at offset ${i}`);
          parts.push(m[0]);
          quoted.push(false);
          i += m[0].length;
        }
        while (q[i] === ' ') i++;
        if (q[i] === ',') {
          i++;
          continue;
        }
        if (q[i] === ']') {
          i++;
          break;
        }
        throw new JsonPathSyntaxError(q[i] === undefined ? 'missing ]' : `unexpected ${JSON.stringify(q[i])} at offset ${i}`);
      }
      out.push(bracketElement(parts, quoted));
    } else {
      throw new JsonPathSyntaxError(`unexpected ${JSON.stringify(c)} at offset ${i}`);
    }
  }
  return out;
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

/** Every match of a parsed query in `json`, as a path of keys and indexes with its value. */
export function queryJsonPath(path: ReadonlyArray<string | number>, json: unknown): Array<{ path: Array<string | number>; value: unknown }> {
  const found = JSONPath({ path: [...path] as unknown as string, json: json as object, eval: false, resultType: 'all', wrap: true }) as Array<{ pointer: string; value: unknown }>;
  return found.map((r) => ({ path: fromPointer(r.pointer, json), value: r.value }));
}

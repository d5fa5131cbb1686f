/**
 * Go (RE2) regexps for every setting that takes one (-ignore, -rename-ignore,
 * -vulncheck-ignore-images, rule kind/apiVersion, ignore specs). Matching runs
 * on re2js, the pure-JS port of RE2: Go's syntax, Go's error texts, and
 * linear-time matching, so a hostile pattern cannot hang a run.
 *
 * re2js is loaded on first use only. Anchored literals and literal
 * alternations (`^Prometheus$`, `^(Service|Configuration)$`, which is what the
 * built-in rules are) are matched without it, so a run with no user regexp
 * never loads it.
 */
import type { RE2JS } from 're2js';
import { UsageError } from '../util/errors';

/** A compiled Go regexp: `test` is Go's MatchString (unanchored unless the pattern anchors). */
export interface GoRegexp {
  readonly source: string;
  test(s: string): boolean;
}

/** Go's regexp.Compile error, e.g. "error parsing regexp: missing closing ): `^(`". */
export class GoRegexpSyntaxError extends Error {
  override name = 'GoRegexpSyntaxError';
}

type Re2js = typeof RE2JS;
let re2js: Re2js | undefined;
function engine(): Re2js {
  re2js ??= (require('re2js') as typeof import('re2js')).RE2JS;
  return re2js;
}

// One literal character, or an escaped punctuation character, as RE2 reads it.
const LITERAL = /^(?:[A-Za-z0-9_/:@,=%' -]|\\[.\-/+*?()[\]{}|^$\\])+$/;
const UNESCAPE = /\\(.)/g;

/** `^?pre(lit|lit)post$?`, `^?lit$?` or the empty pattern: a literal matcher, or undefined when re2js is needed. */
function literalMatcher(source: string): ((s: string) => boolean) | undefined {
  let body = source;
  const start = body.startsWith('^');
  if (start) body = body.slice(1);
  const end = body.endsWith('$') && !body.endsWith('\\$');
  if (end) body = body.slice(0, -1);
  const isLit = (x: string): boolean => x === '' || (LITERAL.test(x) && !x.endsWith('\\'));
  let alts: string[];
  const group = /^([^()]*)\((?:\?:)?([^()]*)\)([^()]*)$/.exec(body);
  if (group) {
    const [, pre = '', inner = '', post = ''] = group;
    // An escaped paren or bar inside would change the meaning of the split; leave those to re2js.
    if (!isLit(pre) || !isLit(post) || /\\[()|]/.test(body)) return undefined;
    const parts = inner.split('|');
    if (parts.some((a) => a === '' || !isLit(a))) return undefined;
    alts = parts.map((a) => pre + a + post);
  } else {
    if (!isLit(body)) return undefined;
    alts = [body];
  }
  const lits = alts.map((a) => a.replace(UNESCAPE, '$1'));
  if (start && end) {
    const set = new Set(lits);
    return (s) => set.has(s);
  }
  if (start) return (s) => lits.some((l) => s.startsWith(l));
  if (end) return (s) => lits.some((l) => s.endsWith(l));
  return (s) => lits.some((l) => s.includes(l));
}

/** Compiles `source` with Go's syntax. Throws GoRegexpSyntaxError carrying Go's message. */
export function parseGoRegexp(source: string): GoRegexp {
  const literal = literalMatcher(source);
  if (literal) return { source, test: literal };
  let re: RE2JS;
  try {
    re = engine().compile(source);
  } catch (e) {
    throw new GoRegexpSyntaxError(e instanceof Error ? e.message : String(e));
  }
  return { source, test: (s) => re.test(s) };
}

/** Compiles `source` (Go syntax) for the setting `what` (e.g. "-rename-ignore"); UsageError on bad syntax. */
export function compileGoRegexp(source: string, what: string): GoRegexp {
  try {
    return parseGoRegexp(source);
  } catch (e) {
    throw new UsageError(`invalid ${what} regexp ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
}

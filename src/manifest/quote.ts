/**
 * Rendering a new string value as a YAML scalar that every reader gets back as
 * the same string: Kubernetes reads YAML 1.1 (`on`, `0644`), most tools 1.2.
 */
import type { ScalarStyle } from './types';

// YAML 1.1 and 1.2 words that do not load as strings (null, booleans, merge, value).
const RESERVED = new Set(
  [
    '', '~', 'null', 'Null', 'NULL',
    'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO',
    'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
    'on', 'On', 'ON', 'off', 'Off', 'OFF',
    '<<', '=',
  ],
);

// Whole strings that YAML 1.1 or 1.2 resolve to a number or timestamp (the specs' own regexps, anchored), so
// `0644`, `1_000`, `1:20`, `1e3`, `.5`, `2001-12-14` are quoted while `127.0.0.1:5000/app` stays plain.
const NUMBERISH = new RegExp(
  '^(?:' +
    [
      '[-+]?0b[0-1_]+', '[-+]?0o?[0-7_]+', '[-+]?(?:0|[1-9][0-9_]*)', '[-+]?0x[0-9a-fA-F_]+', '[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+',
      '[-+]?(?:[0-9][0-9_]*)?\\.[0-9._]*(?:[eE][-+]?[0-9]+)?', '[-+]?[0-9][0-9_]*(?:\\.[0-9_]*)?[eE][-+]?[0-9]+',
      '[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*', '[-+]?\\.(?:inf|Inf|INF)', '\\.(?:nan|NaN|NAN)', '\\.',
      '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \\t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?',
    ].join('|') +
    ')$',
);
// Indicators that cannot start a plain scalar (conservatively including `-`, `?`, `:`).
const BAD_FIRST = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
// `: ` / ` #` end or break a plain scalar; a trailing `:` makes it a key.
const BAD_INSIDE = /:\s|\s#|:$|\s$/;
const FLOW_INDICATOR = /[,[\]{}]/;
// Printable in YAML and not a line break: plain and single-quoted scalars can hold nothing else.
const NON_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `s` holds a character YAML cannot carry unescaped. */
export function isUnprintable(s: string): boolean {
  return NON_PRINTABLE.test(s);
}

/** True when `s` can be written as a plain scalar and reads back as the same string in YAML 1.1 and 1.2. */
export function isSafePlain(s: string, inFlow = false): boolean {
  if (RESERVED.has(s)) return false;
  if (NUMBERISH.test(s) || BAD_FIRST.test(s) || BAD_INSIDE.test(s) || NON_PRINTABLE.test(s)) return false;
  if (inFlow && FLOW_INDICATOR.test(s)) return false;
  // `---` / `...` at a line start would end the document.
  if (s.startsWith('---') || s.startsWith('...')) return false;
  return true;
}

/** JSON-style double-quoted scalar, with the escapes YAML needs beyond JSON's. */
export function quoteDouble(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Single-quoted scalar, or undefined when `s` holds characters single quotes cannot carry on one line. */
export function quoteSingle(s: string): string | undefined {
  if (NON_PRINTABLE.test(s)) return undefined;
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * The text for a new value in place of a scalar of `style`: plain stays plain
 * when safe, single stays single, double stays double, block scalars and
 * unsafe plain values become double-quoted.
 */
export function renderScalar(value: string, style: ScalarStyle, inFlow: boolean): string {
  if (style === 'plain' && isSafePlain(value, inFlow)) return value;
  if (style === 'single') {
    const q = quoteSingle(value);
    if (q !== undefined) return q;
  }
  return quoteDouble(value);
}

/** A mapping key as written by us: plain when safe, else double-quoted. */
export function renderKey(key: string, inFlow: boolean): string {
  return isSafePlain(key, inFlow) ? key : quoteDouble(key);
}

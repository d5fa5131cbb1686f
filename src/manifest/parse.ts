/**
 * Positional YAML parsing on top of js-yaml: its `listener` reports every node's
 * open and close, from which we rebuild a tree of exact source ranges. js-yaml
 * does the real parsing (and the error checks), so values match what it loads.
 */
import { loadAll, YAMLException } from 'js-yaml';
import { ManifestError } from './errors';
import type { ScalarStyle, YamlDoc, YamlMapping, YamlNode, YamlPair, YamlScalar, YamlSequence } from './types';

/** The parts of js-yaml's internal loader state that the listener reads. */
interface LoaderState {
  position: number;
  kind: string | null;
  result: unknown;
}


const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

function isWs(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

function isFlowEnd(c: number): boolean {
  return c === 0x2c /* , */ || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

/** Skips separation space, comments and node properties (`!tag`, `&anchor`) to the node's content. */
function contentStart(src: string, i: number, limit: number): number {
  while (i < limit) {
    const c = src.charCodeAt(i);
    if (isWs(c)) i++;
    else if (c === HASH) {
      while (i < limit && src.charCodeAt(i) !== LF) i++;
    } else if (c === 0x21 /* ! */ || c === 0x26 /* & */) {
      while (i < limit && !isWs(src.charCodeAt(i))) i++;
    } else break;
  }
  return i;
}

/** The `&name` among a node's properties (between its frame's open and its content), if any. */
function anchorOf(src: string, i: number, limit: number): string | undefined {
  while (i < limit) {
    const c = src.charCodeAt(i);
    if (c === HASH) {
      while (i < limit && src.charCodeAt(i) !== LF) i++;
    } else if (c === 0x26 /* & */) {
      let end = i + 1;
      while (end < limit && !isWs(src.charCodeAt(end)) && !isFlowEnd(src.charCodeAt(end))) end++;
      return src.slice(i + 1, end);
    } else i++;
  }
  return undefined;
}

function trimEnd(src: string, end: number, floor: number): number {
  while (end > floor && isWs(src.charCodeAt(end - 1))) end--;
  return end;
}

function styleAt(c: number): ScalarStyle {
  switch (c) {
    case 0x27:
      return 'single';
    case 0x22:
      return 'double';
    case 0x7c:
      return 'literal';
    case 0x3e:
      return 'folded';
    default:
      return 'plain';
  }
}

/** True when, after spaces on the same line, `:` follows: the node was a mapping key. */
function followedByColon(src: string, i: number): boolean {
  let c = src.charCodeAt(i);
  while (c === SPACE || c === TAB) c = src.charCodeAt(++i);
  return c === 0x3a;
}

/** True when the node is preceded by `? `, an explicit key we do not pair. */
function precededByQuestion(src: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (src.charCodeAt(j) === SPACE || src.charCodeAt(j) === TAB)) j--;
  return j >= 0 && src.charCodeAt(j) === 0x3f && (j === 0 || isWs(src.charCodeAt(j - 1)) || isFlowEnd(src.charCodeAt(j - 1)));
}

function markInFlow(node: YamlNode): void {
  node.inFlow = true;
  if (node.kind === 'mapping') {
    for (const e of node.entries) {
      markInFlow(e.key);
      if (e.value) markInFlow(e.value);
    }
  } else if (node.kind === 'sequence') {
    for (const item of node.items) markInFlow(item);
  }
}

function emptyNode(at: number): YamlScalar {
  return { kind: 'scalar', style: 'plain', start: at, end: at, inFlow: false, value: null, empty: true };
}

function isEmpty(n: YamlNode): boolean {
  return n.kind === 'scalar' && n.empty;
}

/** Thrown from inside the listener, carrying the offset; parseYamlStream adds the document, line and column. */
class PositionedError extends Error {
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(reason);
  }
}

/** js-yaml runs with `json: true` (later keys win), so duplicates are found here, where both positions are known. */
function checkDuplicate(src: string, seen: Map<string, YamlNode>, key: YamlNode): void {
  if (key.kind !== 'scalar') return;
  const name = String(key.value);
  if (name === '<<' && key.style === 'plain') return;
  // Typed, as Go's YAML reads keys: `1` and `"1"` are two keys there.
  const id = `${typeof key.value}:${name}`;
  const first = seen.get(id);
  if (first) throw new PositionedError(`mapping key ${JSON.stringify(name)} already defined at line ${lineOf(src, first.start)}`, key.start);
  seen.set(id, key);
}

function pairEntries(src: string, children: YamlNode[]): { entries: YamlPair[]; complete: boolean } {
  const entries: YamlPair[] = [];
  const seen = new Map<string, YamlNode>();
  let complete = true;
  for (let i = 0; i < children.length; i++) {
    const key = children[i] as YamlNode;
    if (followedByColon(src, key.end) && !isEmpty(key)) {
      checkDuplicate(src, seen, key);
      entries.push({ key, value: children[i + 1] });
      i++;
    } else if (isEmpty(key)) {
      // js-yaml probes for another key at the end of a block mapping; the probe finds nothing.
      continue;
    } else {
      if (precededByQuestion(src, key.start)) complete = false;
      else checkDuplicate(src, seen, key);
      entries.push({ key, value: undefined });
    }
  }
  return { entries, complete };
}

/**
 * Builds a node from a closed frame. `pos` is js-yaml's position at close,
 * which may run past trailing spaces and comments, so ends are recomputed.
 */
function buildNode(src: string, open: number, children: YamlNode[] | null, state: LoaderState, pos: number): YamlNode {
  const start = contentStart(src, open, pos);
  // A block mapping probes for an implicit key first; when no `:` follows, that probe is the node itself.
  if (children && children.length === 1) {
    const only = children[0] as YamlNode;
    if (only.start === start && !isEmpty(only)) return only;
  }
  const kind = state.kind;
  if (kind === 'scalar') {
    const style = styleAt(src.charCodeAt(start));
    return { kind: 'scalar', style, start, end: trimEnd(src, pos, start), inFlow: false, value: state.result, empty: false };
  }
  if (kind === 'mapping') {
    const flow = src.charCodeAt(start) === 0x7b;
    const { entries, complete } = pairEntries(src, children ?? []);
    let end: number;
    if (flow) end = trimEnd(src, pos, start);
    else {
      const last = entries[entries.length - 1];
      end = last ? Math.max(last.key.end, last.value ? last.value.end : 0) : start;
    }
    const node: YamlMapping = { kind: 'mapping', flow, start, end, inFlow: false, entries, complete };
    if (flow) markInFlow(node);
    node.inFlow = false;
    return node;
  }
  if (kind === 'sequence') {
    const flow = src.charCodeAt(start) === 0x5b;
    const items = children ?? [];
    const loaded = state.result;
    const complete = Array.isArray(loaded) && loaded.length === items.length;
    const last = items[items.length - 1];
    const end = flow ? trimEnd(src, pos, start) : last ? last.end : start;
    const node: YamlSequence = { kind: 'sequence', flow, start, end, inFlow: false, items, complete };
    if (flow) markInFlow(node);
    node.inFlow = false;
    return node;
  }
  if (src.charCodeAt(start) === 0x2a /* * */ && start < pos) {
    let end = start + 1;
    while (end < pos && !isWs(src.charCodeAt(end)) && !isFlowEnd(src.charCodeAt(end))) end++;
    return { kind: 'alias', name: src.slice(start + 1, end), start, end, inFlow: false };
  }
  return emptyNode(open);
}

const DOC_MARKER = /^---(?=[ \t\r\n]|$)/gm;
const MERGE_TAG = /^([ \t]*(?:-[ \t]+)*)!!merge <<([ \t]*):/gm;

/**
 * Nesting deeper than this is refused: js-yaml recurses per level and overflows Node's stack near 2,000, and
 * no real manifest comes close (the deepest CRD schemas in the corpus nest about 60 levels).
 */
export const MAX_DEPTH = 1000;

// What YAML forbids anywhere in a stream (js-yaml's own set, plus NUL): C0 controls but tab and line breaks, DEL, C1 but NEL.
const NON_PRINTABLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]/;

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** `(line L, column C)` for an offset, 1-based; a BOM takes no column. */
function lineColumn(text: string, pos: number): string {
  const ls = text.lastIndexOf('\n', pos - 1) + 1;
  const bom = ls === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return `(line ${lineOf(text, pos)}, column ${pos - ls - bom + 1})`;
}

/**
 * The 0-based index of the document holding `pos`, by the `---` markers before it; a marker with nothing but
 * comments and blank lines above it opens document 0. Used only for errors found before parsing.
 */
export function documentAt(text: string, pos: number): number {
  let count = 0;
  let first = -1;
  for (const m of text.slice(0, pos).matchAll(DOC_MARKER)) {
    if (first < 0) first = m.index;
    count++;
  }
  if (first < 0) return 0;
  const before = text.slice(0, first).replace(/^\ufeff/, '');
  const onlyComments = before.split('\n').every((l) => /^\s*(#.*)?$/.test(l) || /^%/.test(l));
  return onlyComments ? count - 1 : count;
}

/** `[source: ]document N (line L, column C): reason` */
export function locationMessage(text: string, pos: number, reason: string, source?: string, doc = documentAt(text, pos)): string {
  return `${source ? `${source}: ` : ''}document ${doc} ${lineColumn(text, pos)}: ${reason}`;
}

function describeChar(c: number): string {
  const hex = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === 0) return `null byte (${hex})`;
  return `control character ${hex}`;
}

/**
 * Parses a multi-document YAML stream into values and positional trees.
 * Throws ManifestError naming the document, line and column on malformed YAML,
 * control characters, tabs in indentation, duplicate keys (with both lines) and
 * nesting deeper than MAX_DEPTH. `source` prefixes error messages.
 */
/**
 * js-yaml 4 cannot read a tag on the first key of a block mapping (`- !!merge <<: *x`), which kpt writes for every
 * merge key. `<<` with the padding after it loads the same and keeps every offset, so edits still land in place.
 */
function untagMergeKeys(text: string): string {
  return text.includes('!!merge') ? text.replace(MERGE_TAG, (_m, lead: string, pad: string) => `${lead}<<${' '.repeat(8)}${pad}:`) : text;
}

/** The values of a stream, as parseYamlStream reads them, without positions (for checking output). */
export function loadYamlValues(text: string): unknown[] {
  return loadAll(untagMergeKeys(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
}

export function parseYamlStream(original: string, source?: string): YamlDoc[] {
  const text = untagMergeKeys(original);
  const bad = NON_PRINTABLE.exec(text);
  if (bad) throw new ManifestError(locationMessage(text, bad.index, `${describeChar(text.charCodeAt(bad.index))} is not allowed in YAML`, source));
  // js-yaml strips a BOM and reports offsets without it.
  const off = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // Open frames as parallel stacks (fewer allocations than one object per frame).
  const opens: number[] = [];
  const kids: Array<YamlNode[] | null> = [];
  let depth = 0;
  const roots: YamlNode[] = [];
  const rootOpens: number[] = [];

  // Anchors of the current document, so each alias knows its node.
  const anchors = new Map<string, YamlNode>();

  const listener = (event: 'open' | 'close', state: LoaderState): void => {
    if (event === 'open') {
      if (depth === 0) {
        rootOpens.push(state.position + off);
        anchors.clear();
      }
      if (depth >= MAX_DEPTH) throw new PositionedError(`nesting deeper than ${MAX_DEPTH} levels`, contentStart(text, state.position + off, text.length));
      opens[depth] = state.position + off;
      kids[depth] = null;
      depth++;
      return;
    }
    depth--;
    const open = opens[depth] as number;
    const node = buildNode(text, open, kids[depth] as YamlNode[] | null, state, state.position + off);
    if (node.kind === 'alias') node.target = anchors.get(node.name);
    else if (node.start > open) {
      const anchor = anchorOf(text, open, node.start);
      if (anchor !== undefined) anchors.set(anchor, node);
    }
    if (depth > 0) {
      const siblings = kids[depth - 1];
      if (siblings) siblings.push(node);
      else kids[depth - 1] = [node];
    } else roots.push(node);
  };

  let values: unknown[];
  const docIndex = (): number => Math.max(rootOpens.length - 1, 0);
  try {
    values = loadAll(text, null, { listener: listener as never, filename: source, json: true }) as unknown[];
  } catch (e) {
    if (e instanceof PositionedError) throw new ManifestError(locationMessage(text, e.at, e.reason, source, docIndex()));
    if (e instanceof YAMLException) {
      const mark = (e as YAMLException & { mark?: { line: number; column: number } }).mark;
      const where = mark ? ` (line ${mark.line + 1}, column ${mark.column + 1})` : '';
      const prefix = source ? `${source}: ` : '';
      throw new ManifestError(`${prefix}document ${docIndex()}${where}: ${e.reason}`, { cause: e });
    }
    if (e instanceof RangeError) {
      // A stack overflow below the depth limit (a deep caller): still name the place.
      const at = depth > 0 ? (opens[depth - 1] as number) : 0;
      throw new ManifestError(locationMessage(text, at, 'nesting too deep to parse', source, docIndex()), { cause: e });
    }
    throw e;
  }

  const markers: number[] = [];
  for (const m of text.matchAll(DOC_MARKER)) markers.push(m.index);
  const docs: YamlDoc[] = [];
  let mi = 0;
  for (let i = 0; i < values.length; i++) {
    const open = rootOpens[i] ?? text.length;
    const prevOpen = i === 0 ? -1 : (rootOpens[i - 1] ?? 0);
    // An empty document's root opens at the next `---`, so a document owns the last marker strictly before its root.
    let marker = -1;
    while (mi < markers.length && (markers[mi] as number) < open) {
      if ((markers[mi] as number) >= prevOpen) marker = markers[mi] as number;
      mi++;
    }
    const prev = docs[i - 1];
    const start = marker >= 0 ? marker : i === 0 ? 0 : lineStart(text, open);
    if (prev) prev.end = start;
    const root = roots[i];
    const node = root && !isEmpty(root) ? root : undefined;
    docs.push({ index: i, value: values[i], node, start, end: text.length });
  }
  return docs;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/**
 * The node at a path, or why there is none. `shared` is set when the path went through an alias or a merge key:
 * the node is then the anchored one, which every alias of it shares, so editing it changes them all.
 */
export type FindResult = { node: YamlNode; shared: boolean } | { node?: undefined; reason: string };

// Merge keys may merge mappings that merge others; real files nest a few.
const MAX_MERGE_DEPTH = 32;

function keyMatches(key: YamlNode, seg: string | number): boolean {
  if (key.kind !== 'scalar') return false;
  const v = key.value;
  return v === seg || (v !== null && v !== undefined && String(v) === String(seg));
}

function isMergeKey(key: YamlNode): boolean {
  return key.kind === 'scalar' && key.style === 'plain' && key.value === '<<';
}

/** The entry for `seg`: the mapping's own (last wins), else the first merged mapping's, as js-yaml loads it. */
function lookup(m: YamlMapping, seg: string | number, depth: number): { pair: YamlPair; merged: boolean } | undefined {
  let own: YamlPair | undefined;
  for (const e of m.entries) if (!isMergeKey(e.key) && keyMatches(e.key, seg)) own = e;
  if (own) return { pair: own, merged: false };
  if (depth >= MAX_MERGE_DEPTH) return undefined;
  for (const e of m.entries) {
    if (!isMergeKey(e.key) || !e.value) continue;
    const sources = e.value.kind === 'sequence' ? e.value.items : [e.value];
    for (const src of sources) {
      const target = src.kind === 'alias' ? src.target : src;
      if (target?.kind !== 'mapping' || !target.complete) continue;
      const hit = lookup(target, seg, depth + 1);
      if (hit) return { pair: hit.pair, merged: true };
    }
  }
  return undefined;
}

/** Follows a JS path (keys and indexes) through the tree, through aliases and merge keys, explaining a failure. */
export function findNode(root: YamlNode, path: ReadonlyArray<string | number>): FindResult {
  let node: YamlNode = root;
  let shared = false;
  for (let i = 0; ; i++) {
    const here = () => path.slice(0, i).join('.') || '(root)';
    if (node.kind === 'alias') {
      if (!node.target) return { reason: `${here()} is the alias *${node.name}, whose anchor was not found` };
      node = node.target;
      shared = true;
    }
    if (i >= path.length) break;
    const seg = path[i] as string | number;
    if (node.kind === 'mapping') {
      if (!node.complete) return { reason: `${here()} uses explicit (?) keys, which reimage cannot edit` };
      const found = lookup(node, seg, 0);
      if (!found) return { reason: `${here()}.${seg} not found in the source` };
      if (!found.pair.value) return { reason: `${here()}.${seg} has no value` };
      if (found.merged) shared = true;
      node = found.pair.value;
    } else if (node.kind === 'sequence') {
      if (!node.complete) return { reason: `${here()} has empty or paired items, which reimage cannot edit` };
      const item = typeof seg === 'number' ? node.items[seg] : undefined;
      if (!item) return { reason: `${here()}[${String(seg)}] not found in the source` };
      node = item;
    } else {
      return { reason: `${here()} is a scalar` };
    }
  }
  return { node, shared };
}

/** The node at a JS path, or undefined when absent or reached through an alias or merge key. */
export function resolvePath(node: YamlNode, path: ReadonlyArray<string | number>): YamlNode | undefined {
  const found = findNode(node, path);
  return found.node && !found.shared ? found.node : undefined;
}

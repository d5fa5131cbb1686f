/**
 * Adding entries to an existing mapping without touching its other bytes:
 * block mappings get new lines at their own indentation after the last entry,
 * flow mappings get `, key: value` after their last entry.
 */
import { ManifestError } from './errors';
import { quoteDouble, renderKey } from './quote';
import { columnOf, lineEndOf, lineStartOf } from './text';
import type { Splice } from './text';
import type { YamlMapping, YamlNode, YamlPair } from './types';

/** Context every planner needs: the text and its line ending. */
export interface EditContext {
  text: string;
  eol: string;
}

export function entryEnd(e: YamlPair): number {
  return Math.max(e.key.end, e.value ? e.value.end : 0);
}

export function findEntry(m: YamlMapping, key: string): YamlPair | undefined {
  let found: YamlPair | undefined;
  for (const e of m.entries) {
    if (e.key.kind === 'scalar' && e.key.value === key) found = e;
  }
  return found;
}

/** Column of a block mapping's keys. */
export function indentOf(ctx: EditContext, m: YamlMapping): number {
  const first = m.entries[0];
  return columnOf(ctx.text, first ? first.key.start : m.start);
}

/** Indentation step used inside `m`: how far its first nested block mapping is indented; 2 if none. */
export function indentStep(ctx: EditContext, m: YamlMapping): number {
  const base = indentOf(ctx, m);
  for (const e of m.entries) {
    const v = e.value;
    if (v && v.kind === 'mapping' && !v.flow && v.entries.length > 0) {
      const step = indentOf(ctx, v) - base;
      if (step > 0) return step;
    }
  }
  return 2;
}

/**
 * Where a new line goes after a block mapping's last entry: the end of the line
 * the entry ends on, so a trailing `# comment` stays with its entry and the
 * comment lines after it stay with whatever follows.
 */
export function afterLastEntry(ctx: EditContext, m: YamlMapping): number {
  const last = m.entries[m.entries.length - 1];
  if (!last) throw new ManifestError('cannot add to an empty block mapping');
  let pos = lineEndOf(ctx.text, entryEnd(last));
  const v = last.value;
  if (v && v.kind === 'scalar' && (v.style === 'literal' || v.style === 'folded') && /^[|>][0-9-]*\+/.test(ctx.text.slice(v.start, v.start + 4))) {
    // Keep-chomping (`|+`): trailing blank lines belong to the scalar, so go past them.
    const { text } = ctx;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const next = lineEndOf(text, nl + 1);
      if (text.slice(nl + 1, next).trim() !== '') break;
      if (next === text.length) break;
      pos = next;
    }
  }
  return pos;
}

/** A value tree to write: nested mappings ending in string leaves. */
export type Tree = Array<[string, string | Tree]>;

/** JSON (and KYAML written like it) quotes every key; so do we there, and the output still parses as JSON. */
export function quotesKeys(m: YamlMapping): boolean {
  const first = m.entries[0];
  return m.flow && first !== undefined && first.key.kind === 'scalar' && first.key.style === 'double';
}

function renderFlow(tree: Tree, json: boolean): string {
  return tree.map(([k, v]) => `${json ? quoteDouble(k) : renderKey(k, true)}: ${typeof v === 'string' ? quoteDouble(v) : `{${renderFlow(v, json)}}`}`).join(', ');
}

/** Whitespace alone before `pos` on its line: the entry starts a line, as in pretty-printed JSON. */
function startsLine(text: string, pos: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStartOf(text, pos), pos));
}

function renderBlockLines(tree: Tree, indent: number, step: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [k, v] of tree) {
    if (typeof v === 'string') out.push(`${pad}${renderKey(k, false)}: ${quoteDouble(v)}`);
    else {
      out.push(`${pad}${renderKey(k, false)}:`);
      renderBlockLines(v, indent + step, step, out);
    }
  }
}

/** Rendered block lines for `tree` at `indent`, each preceded by the line ending. */
export function renderBlock(ctx: EditContext, tree: Tree, indent: number, step: number): string {
  const lines: string[] = [];
  renderBlockLines(tree, indent, step, lines);
  return lines.map((l) => ctx.eol + l).join('');
}

/**
 * Splice adding `tree` as new entries at the end of mapping `m`. In a flow mapping whose last entry starts a
 * line (pretty-printed JSON, KYAML), the new entry gets its own line at the same column; `json` quotes keys.
 */
export function addEntries(ctx: EditContext, m: YamlMapping, tree: Tree, step: number, rank: number, json = quotesKeys(m)): Splice {
  if (m.flow) {
    const last = m.entries[m.entries.length - 1];
    if (!last) return { start: m.start + 1, end: m.start + 1, text: renderFlow(tree, json), rank };
    const at = entryEnd(last);
    const sep = startsLine(ctx.text, last.key.start) ? `${ctx.eol}${' '.repeat(columnOf(ctx.text, last.key.start))}` : ' ';
    return { start: at, end: at, text: `,${sep}${renderFlow(tree, json)}`, rank };
  }
  const at = afterLastEntry(ctx, m);
  return { start: at, end: at, text: renderBlock(ctx, tree, indentOf(ctx, m), step), rank };
}

/**
 * Splice giving an entry whose value is empty or null (`key:`, `key: ~`) the
 * mapping `tree` as its value. `parent` is the mapping holding the entry.
 */
export function fillEntry(ctx: EditContext, parent: YamlMapping, entry: YamlPair, tree: Tree, step: number, rank: number, json = quotesKeys(parent)): Splice {
  const v = entry.value as YamlNode;
  // Replace from just after the `:` to the end of the old value.
  let colon = v.start;
  const { text } = ctx;
  while (colon > entry.key.end && text.charCodeAt(colon - 1) !== 0x3a) colon--;
  if (parent.flow || v.inFlow) return { start: colon, end: v.end, text: ` {${renderFlow(tree, json)}}`, rank };
  const keyCol = columnOf(text, entry.key.start);
  const block = renderBlock(ctx, tree, keyCol + step, step);
  // `key:  # comment` keeps its comment on the key's line.
  if (v.kind === 'scalar' && v.empty) {
    const at = lineEndOf(text, v.start);
    return { start: at, end: at, text: block, rank };
  }
  return { start: colon, end: v.end, text: block, rank };
}

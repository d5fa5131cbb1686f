/**
 * Applying edits by splicing new text into the original: every byte outside
 * the changed ranges is kept exactly (comments, quoting, CRLF, markers).
 */
import { load } from 'js-yaml';
import { planAnnotations } from './annotate';
import { ManifestError } from './errors';
import { afterLastEntry, entryEnd, findEntry, indentOf, quotesKeys } from './insert';
import type { EditContext } from './insert';
import { isUnprintable, quoteDouble, renderKey, renderScalar } from './quote';
import { applySplices, lineEndOf, lineEnding } from './text';
import type { Splice } from './text';
import type { Edit, YamlNode } from './types';
import { pushAll } from '../util/arrays';

// Appended blocks (results) go after anything added inside the mapping's last entry at the same spot.
const APPEND_RANK = 1;

/**
 * A one-line block scalar with strip chomping (`image: >-` then the value on the next line) keeps its header, its
 * comment and its indentation; only the content line changes. Anything else falls back to quoting.
 */
function planBlockScalar(ctx: EditContext, node: YamlNode, value: string): Splice | undefined {
  if (node.kind !== 'scalar' || (node.style !== 'literal' && node.style !== 'folded') || node.inFlow) return undefined;
  if (!/^\S(?:[^\r\n]*\S)?$/.test(value) || isUnprintable(value)) return undefined;
  const { text } = ctx;
  const headerEnd = lineEndOf(text, node.start);
  if (!/^[|>](?:[1-9]?-|-[1-9]?)(?:[ \t]+#.*)?[ \t]*$/.test(text.slice(node.start, headerEnd))) return undefined;
  const next = text.indexOf('\n', headerEnd) + 1;
  if (next <= 0 || next >= node.end || text.slice(next, node.end).trim().includes('\n')) return undefined;
  const content = text.slice(next, node.end);
  const indent = content.length - content.trimStart().length;
  return { start: next + indent, end: node.end, text: value, rank: 0 };
}

function planScalar(ctx: EditContext, node: YamlNode, value: string): Splice {
  if (node.kind !== 'scalar') throw new ManifestError(`cannot replace a ${node.kind} with a string`);
  const block = planBlockScalar(ctx, node, value);
  if (block) return block;
  const text = renderScalar(value, node.style, node.inFlow);
  // `image:` with no value: the node is empty and sits right after the colon.
  if (node.empty) return { start: node.start, end: node.end, text: ` ${text}`, rank: 0 };
  return { start: node.start, end: node.end, text, rank: 0 };
}

function planAppend(ctx: EditContext, mapping: YamlNode, key: string, block: string): Splice {
  if (mapping.kind !== 'mapping') throw new ManifestError(`cannot add ${key}: the document is not a mapping`);
  const body = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`).test(block) ? block : `${key}:\n${block}`;
  const existing = findEntry(mapping, key);
  if (mapping.flow) {
    const parsed = load(body) as Record<string, unknown> | null;
    const value = parsed ? parsed[key] : null;
    // A JSON document (quoted keys) stays JSON: `"results": [...]`, never a bare YAML key.
    const text = `${quotesKeys(mapping) ? quoteDouble(key) : renderKey(key, true)}: ${value === undefined ? 'null' : JSON.stringify(value)}`;
    if (existing) return { start: existing.key.start, end: entryEnd(existing), text, rank: APPEND_RANK };
    const last = mapping.entries[mapping.entries.length - 1];
    if (!last) return { start: mapping.start + 1, end: mapping.start + 1, text, rank: APPEND_RANK };
    const at = entryEnd(last);
    return { start: at, end: at, text: `, ${text}`, rank: APPEND_RANK };
  }
  const pad = ' '.repeat(indentOf(ctx, mapping));
  const lines = body.replace(/\r?\n$/, '').split(/\r?\n/).map((l) => (l === '' ? l : pad + l));
  if (existing) {
    // The key already sits at the mapping's column: replace from it to the end of its value.
    return { start: existing.key.start, end: entryEnd(existing), text: lines.join(ctx.eol).slice(pad.length), rank: APPEND_RANK };
  }
  const at = afterLastEntry(ctx, mapping);
  return { start: at, end: at, text: lines.map((l) => ctx.eol + l).join(''), rank: APPEND_RANK };
}

/**
 * Applies all edits in one pass and returns the new text. Edits must not
 * overlap; several annotation edits on one resource are merged. New lines use
 * the file's own line ending.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const ctx: EditContext = { text, eol: lineEnding(text) };
  const splices: Splice[] = [];
  const annotations = new Map<YamlNode, Array<[string, string]>>();
  // An anchored scalar reached again through its aliases is edited once.
  const scalars = new Map<YamlNode, string>();
  for (const e of edits) {
    switch (e.kind) {
      case 'scalar': {
        const before = scalars.get(e.node);
        if (before === e.value) break;
        if (before !== undefined) throw new ManifestError(`conflicting edits of one anchored value: ${JSON.stringify(before)} and ${JSON.stringify(e.value)}`);
        scalars.set(e.node, e.value);
        splices.push(planScalar(ctx, e.node, e.value));
        break;
      }
      case 'annotation': {
        let list = annotations.get(e.resource);
        if (!list) annotations.set(e.resource, (list = []));
        const i = list.findIndex(([k]) => k === e.key);
        if (i >= 0) list.splice(i, 1);
        list.push([e.key, e.value]);
        break;
      }
      case 'append':
        splices.push(planAppend(ctx, e.mapping, e.key, e.block));
        break;
    }
  }
  for (const [resource, list] of annotations) pushAll(splices, planAnnotations(ctx, resource, list));
  try {
    return applySplices(text, splices);
  } catch (err) {
    throw new ManifestError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}


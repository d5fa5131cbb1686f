/**
 * Setting `metadata.annotations[key]` on a resource in place: replace an
 * existing value, or add the missing entries (and the missing `annotations:` /
 * `metadata:` above them) in the resource's own style and indentation.
 */
import { ManifestError } from './errors';
import { addEntries, fillEntry, findEntry, indentStep, quotesKeys } from './insert';
import type { EditContext, Tree } from './insert';
import { quoteDouble } from './quote';
import type { Splice } from './text';
import type { YamlNode } from './types';

// Annotations sit inside the resource, so at a shared position they go before anything added to an enclosing mapping.
const RANK = 0;

function isNullish(n: YamlNode | undefined): boolean {
  return n === undefined || (n.kind === 'scalar' && n.value === null && n.style === 'plain');
}

/** Splices that set every `[key, value]` of `annotations` on `resource`. */
export function planAnnotations(ctx: EditContext, resource: YamlNode, annotations: ReadonlyArray<readonly [string, string]>): Splice[] {
  if (resource.kind !== 'mapping') throw new ManifestError('cannot annotate a resource that is not a mapping');
  const step = indentStep(ctx, resource);
  // Keys are quoted throughout when the resource itself quotes them (JSON), even inside an empty `{}`.
  const json = quotesKeys(resource);
  const leaves: Tree = annotations.map(([k, v]) => [k, v]);

  const meta = findEntry(resource, 'metadata');
  if (!meta) return [addEntries(ctx, resource, [['metadata', [['annotations', leaves]]]], step, RANK, json)];
  if (isNullish(meta.value)) return [fillEntry(ctx, resource, meta, [['annotations', leaves]], step, RANK, json)];
  const metaNode = meta.value as YamlNode;
  if (metaNode.kind !== 'mapping') throw new ManifestError('cannot annotate: metadata is not a mapping');

  const ann = findEntry(metaNode, 'annotations');
  if (!ann) return [addEntries(ctx, metaNode, [['annotations', leaves]], step, RANK, json)];
  if (isNullish(ann.value)) return [fillEntry(ctx, metaNode, ann, leaves, step, RANK, json)];
  const annNode = ann.value as YamlNode;
  if (annNode.kind !== 'mapping') throw new ManifestError('cannot annotate: metadata.annotations is not a mapping');

  const splices: Splice[] = [];
  const missing: Tree = [];
  for (const [k, v] of annotations) {
    const e = findEntry(annNode, k);
    if (!e) missing.push([k, v]);
    else if (!e.value || (e.value.kind === 'scalar' && e.value.empty)) {
      const at = e.value ? e.value.start : e.key.end;
      splices.push({ start: at, end: at, text: `${e.value ? ' ' : ': '}${quoteDouble(v)}`, rank: RANK });
    } else splices.push({ start: e.value.start, end: e.value.end, text: quoteDouble(v), rank: RANK });
  }
  if (missing.length > 0) splices.push(addEntries(ctx, annNode, missing, step, RANK, json));
  return splices;
}

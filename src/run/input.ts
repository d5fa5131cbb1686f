import { decodeInput, isLocalConfig, locationMessage, ManifestError, parseYamlStream, resolvePath, resourceId } from '../manifest';
import type { YamlDoc, YamlNode } from '../manifest';
import type { ResourceRef } from '../krm/results';
import { UsageError } from '../util/errors';
import { isRecord } from '../util/record';

/** One Kubernetes object (or raw document) whose images we may rewrite. */
export interface ResourceSlot {
  /** Plain JS value of the resource */
  value: unknown;
  /** Its node in the source text, for edits */
  node: YamlNode;
  /** Path of the resource inside its YAML document: [] for a stream document, ['items', i] in a ResourceList */
  base: Array<string | number>;
  ref: ResourceRef;
  /** Where it came from, for messages: kpt's file annotations, or the stream document index */
  file?: { path: string; index?: number };
  /** "document 3" or "items[2]", for messages when there is no name */
  label: string;
}

export type Input =
  | { mode: 'krm'; text: string; docs: YamlDoc[]; list: YamlDoc; functionConfig: unknown; resources: ResourceSlot[] }
  | { mode: 'stream'; text: string; docs: YamlDoc[]; resources: ResourceSlot[] };

const RESOURCE_LIST_VERSIONS = new Set(['config.kubernetes.io/v1', 'config.kubernetes.io/v1beta1', 'config.kubernetes.io/v1alpha1']);


function annotations(value: unknown): Record<string, unknown> {
  const meta = isRecord(value) ? value['metadata'] : undefined;
  const ann = isRecord(meta) ? meta['annotations'] : undefined;
  return isRecord(ann) ? ann : {};
}

function fileOf(value: unknown): ResourceSlot['file'] {
  const a = annotations(value);
  const path = a['internal.config.kubernetes.io/path'] ?? a['config.kubernetes.io/path'];
  if (typeof path !== 'string') return undefined;
  const index = Number(a['internal.config.kubernetes.io/index'] ?? a['config.kubernetes.io/index'] ?? 0);
  return { path, index: Number.isFinite(index) ? index : 0 };
}

// As in locate: Lists nested deeper than this are left whole.
const MAX_LIST_DEPTH = 8;

/**
 * The resources of one stream document or ResourceList item: a `List` / `*List` (kubectl get -o yaml) gives one
 * slot per item, so each item is located, named in results and annotated on its own, as kpt and kustomize do.
 * A typed list's items may omit kind and apiVersion; the slot's value gets the list's, for locating and naming.
 */
function slotsOf(value: Record<string, unknown>, node: YamlNode, base: Array<string | number>, label: string, file: ResourceSlot['file'], out: ResourceSlot[], depth = 0): void {
  const kind = typeof value['kind'] === 'string' ? value['kind'] : '';
  const items = value['items'];
  if (kind.endsWith('List') && Array.isArray(items) && depth < MAX_LIST_DEPTH) {
    const elementKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    const apiVersion = kind === 'List' ? undefined : value['apiVersion'];
    const itemNodes = items.map((item: unknown, i) => (isRecord(item) ? resolvePath(node, ['items', i]) : undefined));
    if (items.some((item: unknown, i) => isRecord(item) && !itemNodes[i])) {
      // An item behind an alias cannot be edited on its own: keep the List whole, so locate still finds (and
      // reports) its images and walks it within the node budget. Skipping it would pass unpinned images.
      out.push({ value, node, base, ref: resourceId(value), label, ...(file ? { file } : {}) });
      return;
    }
    items.forEach((item: unknown, i) => {
      const itemNode = itemNodes[i];
      if (!isRecord(item) || !itemNode) return;
      const filled = { ...(elementKind && item['kind'] === undefined ? { kind: elementKind } : {}), ...(typeof apiVersion === 'string' && item['apiVersion'] === undefined ? { apiVersion } : {}), ...item };
      slotsOf(filled, itemNode, [...base, 'items', i], `${label} items[${i}]`, file, out, depth + 1);
    });
    return;
  }
  out.push({ value, node, base, ref: resourceId(value), label, ...(file ? { file } : {}) });
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a sequence';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `the ${typeof v} ${String(v)}`;
}

/**
 * A ResourceList on stdin means KRM mode (kpt, kustomize); anything else is a manifest stream (helm post-renderer).
 * `data` is stdin's bytes (refused unless UTF-8) or text. In k8s mode every non-empty document must be a mapping,
 * as in the Go tool, which fails to decode anything else; in yaml mode any YAML document is accepted.
 */
export function readInput(data: string | Uint8Array, mode: 'k8s' | 'yaml' = 'k8s'): Input {
  const text = decodeInput(data, 'stdin');
  const docs = parseYamlStream(text, 'stdin');
  const content = docs.filter((d) => d.value !== null && d.value !== undefined);
  const first = content[0];
  if (content.length === 1 && first && isRecord(first.value) && first.value['kind'] === 'ResourceList' && RESOURCE_LIST_VERSIONS.has(String(first.value['apiVersion']))) {
    return readResourceList(text, docs, first);
  }
  const resources: ResourceSlot[] = [];
  for (const doc of docs) {
    const node = doc.node;
    if (!node || doc.value === null || doc.value === undefined) continue; // empty and comment-only documents pass through untouched
    if (node.kind === 'scalar' && node.style === 'plain' && /^[ \t]*\t[ \t]*$/.test(text.slice(text.lastIndexOf('\n', node.start - 1) + 1, node.start))) {
      // libyaml (the Go tool, kubectl) takes no tab before a block node's first token.
      throw new ManifestError(locationMessage(text, node.start, 'found character that cannot start any token (a tab)', 'stdin', doc.index));
    }
    if (mode === 'yaml') {
      if (typeof doc.value === 'object') resources.push({ value: doc.value, node, base: [], ref: {}, label: `document ${doc.index}` });
      continue;
    }
    if (!isRecord(doc.value)) {
      throw new ManifestError(locationMessage(text, node.start, `not a Kubernetes object: the document is ${describeValue(doc.value)}, not a mapping (for other YAML use -input yaml)`, 'stdin', doc.index));
    }
    slotsOf(doc.value, node, [], `document ${doc.index}`, undefined, resources);
  }
  return { mode: 'stream', text, docs, resources };
}

function readResourceList(text: string, docs: YamlDoc[], list: YamlDoc): Input {
  const value = list.value as Record<string, unknown>;
  const items = value['items'];
  if (!Array.isArray(items)) {
    throw new UsageError(`stdin: ResourceList has no "items" list${items === undefined ? '' : ` (items is ${items === null ? 'null' : typeof items})`}`);
  }
  const resources: ResourceSlot[] = [];
  items.forEach((item, i) => {
    const base = ['items', i];
    if (!isRecord(item)) throw new UsageError(`stdin: ResourceList items[${i}] is not an object`);
    // kpt hands us the Kptfile and the fn-config too; they are not ours to change.
    if (isLocalConfig(item)) return;
    const node = list.node ? resolvePath(list.node, base) : undefined;
    if (!node) throw new UsageError(`stdin: cannot locate ResourceList items[${i}] in the input text`);
    slotsOf(item, node, base, `items[${i}]`, fileOf(item), resources);
  });
  return { mode: 'krm', text, docs, list, functionConfig: value['functionConfig'], resources };
}

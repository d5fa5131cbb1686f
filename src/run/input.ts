import { isLocalConfig, parseYamlStream, resolvePath, resourceId } from '../manifest';
import type { YamlDoc, YamlNode } from '../manifest';
import type { ResourceRef } from '../krm/results';
import { UsageError } from '../util/errors';

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

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

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

/** A ResourceList on stdin means KRM mode (kpt, kustomize); anything else is a manifest stream (helm post-renderer). */
export function readInput(text: string): Input {
  const docs = parseYamlStream(text, 'stdin');
  const content = docs.filter((d) => d.value !== null && d.value !== undefined);
  const first = content[0];
  if (content.length === 1 && first && isRecord(first.value) && first.value['kind'] === 'ResourceList' && RESOURCE_LIST_VERSIONS.has(String(first.value['apiVersion']))) {
    return readResourceList(text, docs, first);
  }
  const resources: ResourceSlot[] = [];
  for (const doc of docs) {
    if (!doc.node || !isRecord(doc.value)) continue; // empty, comment-only or scalar documents pass through untouched
    resources.push({ value: doc.value, node: doc.node, base: [], ref: resourceId(doc.value), label: `document ${doc.index}` });
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
    const file = fileOf(item);
    resources.push({ value: item, node, base, ref: resourceId(item), label: `items[${i}]`, ...(file ? { file } : {}) });
  });
  return { mode: 'krm', text, docs, list, functionConfig: value['functionConfig'], resources };
}

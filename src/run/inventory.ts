/**
 * -list-images: the inventory of every image field, for auditing what a run would pin and for finding what a
 * custom rule misses. It rewrites nothing, copies nothing and reaches no registry.
 * - stream input: one line per field (resource, field path, image, what found it), or a JSON array with -o json;
 * - a ResourceList: the same ResourceList, with one info result per field (and the warnings) as its results.
 */
import { applyEdits } from '../manifest';
import type { CompiledRules } from '../manifest';
import { fieldPath, hasErrors, renderResultsYaml } from '../krm/results';
import type { ResourceRef, Result } from '../krm/results';
import { pushAll } from '../util/arrays';
import type { OutputPlan } from './emit';
import type { Input } from './input';
import { collectOccurrences, resultAt } from './occurrences';
import type { Occurrence } from './occurrences';
import type { PipelineSettings } from './settings';

export interface InventoryEntry {
  resource: ResourceRef;
  /** The document ("document 2") or ResourceList item ("items[3]") */
  source: string;
  file?: { path: string; index?: number };
  /** kpt-style field path inside the resource, e.g. spec.template.spec.containers[0].image */
  path: string;
  image: string;
  /** The built-in location or rule that found it, e.g. "pod spec", "rules/default-rules.yaml rule 4 (kind ^Image$): $.spec.image" */
  foundBy: string;
}

type InventorySettings = Pick<PipelineSettings, 'input' | 'findPodSpecs' | 'listFormat'>;

function entryOf(o: Occurrence): InventoryEntry {
  return {
    resource: o.resource.ref,
    source: o.resource.label,
    ...(o.resource.file ? { file: o.resource.file } : {}),
    path: fieldPath(o.path),
    image: o.image,
    foundBy: o.foundBy,
  };
}

// A column is printed as is unless it could break the line apart or forge one (tabs, newlines, escapes): then JSON-quoted.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/u;
const column = (s: string): string => (UNSAFE.test(s) || s === '' ? JSON.stringify(s) : s);

function resourceColumn(e: InventoryEntry): string {
  const r = e.resource;
  if (!r.kind && !r.name) return e.source;
  return [r.apiVersion ?? '', r.kind ?? '', ...(r.namespace ? [r.namespace] : []), r.name ?? `(${e.source})`].join('/');
}

/** One line per field: RESOURCE FIELD IMAGE FOUND-BY, tab separated. */
export function formatInventoryText(entries: readonly InventoryEntry[]): string {
  return entries.map((e) => [resourceColumn(e), e.path, e.image, e.foundBy].map(column).join('\t') + '\n').join('');
}

/** Locates every image and plans the inventory output; errors (a non-string image, a bad document) fail the run as usual. */
export function inventory(input: Input, rules: CompiledRules, settings: InventorySettings): { results: Result[]; output?: OutputPlan } {
  const found = collectOccurrences(input.resources, rules, settings.input, { findPodSpecs: settings.findPodSpecs, reportUncovered: true });
  const results: Result[] = [];
  pushAll(results, found.errors);
  if (hasErrors(results)) return { results };
  if (input.mode === 'krm') {
    for (const o of found.occurrences) results.push(resultAt(o, 'info', `image ${o.image} (found by ${o.foundBy})`, { currentValue: o.image }));
    pushAll(results, found.warnings);
    const text = input.list.node && results.length > 0 ? applyEdits(input.text, [{ kind: 'append', mapping: input.list.node, key: 'results', block: renderResultsYaml(results) }]) : input.text;
    const items = (input.list.value as { items?: unknown } | null)?.items;
    return { results, output: { kind: 'krm', text, items: Array.isArray(items) ? items.length : 0 } };
  }
  pushAll(results, found.warnings);
  const entries = found.occurrences.map(entryOf);
  const text = settings.listFormat === 'json' ? `${JSON.stringify(entries, null, 2)}\n` : formatInventoryText(entries);
  return { results, output: { kind: 'stream', text } };
}

import { applyEdits } from '../manifest';
import type { Edit } from '../manifest';
import { renderResultsYaml } from '../krm/results';
import type { Result } from '../krm/results';
import type { Input, ResourceSlot } from './input';
import type { ImageState } from './state';
import { resultAt } from './occurrences';

export const MAPPINGS_ANNOTATION = 'reimage.dev/mappings';

/** What the output stage needs from the options. */
export interface OutputSettings {
  /** Add the reimage.dev/mappings annotation to each rewritten resource (off for -annotate=false and -input yaml) */
  annotate: boolean;
  /** Results of earlier stages (info, warning) that belong in a ResourceList's results too */
  earlier?: readonly Result[];
  /** One info result per rewritten field; off where nobody reads them (a stream without -debug), which saves memory on large inputs */
  fieldResults?: boolean;
}

/** Only the changed image scalars, the annotations and (in KRM mode) the results are written; every other byte stays. */
export function renderOutput(input: Input, states: readonly ImageState[], settings: OutputSettings = { annotate: true }): { text: string; results: Result[]; rewrittenFields: number; rewrittenResources: number } {
  const edits: Edit[] = [];
  const results: Result[] = [];
  const fieldResults = settings.fieldResults ?? true;
  let fields = 0;
  const perResource = new Map<ResourceSlot, Map<string, string>>();
  for (const s of states) {
    if (s.outcome.kind !== 'mapped' || s.outcome.final === s.original) continue;
    const final = s.outcome.final;
    for (const o of s.occurrences) {
      edits.push({ kind: 'scalar', node: o.node, value: final });
      fields++;
      if (fieldResults) results.push(resultAt(o, 'info', `image ${s.original} rewritten to ${final}`, { currentValue: s.original, proposedValue: final }));
      let m = perResource.get(o.resource);
      if (!m) perResource.set(o.resource, (m = new Map()));
      m.set(s.original, final);
    }
  }
  for (const [resource, m] of settings.annotate ? perResource : []) {
    const sorted = Object.create(null) as Record<string, string>; // image strings as keys: no prototype
    for (const k of [...m.keys()].sort()) sorted[k] = m.get(k) as string;
    edits.push({ kind: 'annotation', resource: resource.node, key: MAPPINGS_ANNOTATION, value: JSON.stringify(sorted) });
  }
  const listed = (settings.earlier ?? []).concat(results);
  if (input.mode === 'krm' && listed.length > 0 && input.list.node) {
    edits.push({ kind: 'append', mapping: input.list.node, key: 'results', block: renderResultsYaml(listed) });
  }
  return { text: applyEdits(input.text, edits), results, rewrittenFields: fields, rewrittenResources: perResource.size };
}

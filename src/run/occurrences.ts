import { findNode, locateAll } from '../manifest';
import type { CompiledRules, YamlNode } from '../manifest';
import { fieldPath } from '../krm/results';
import type { Result } from '../krm/results';
import type { ResourceSlot } from './input';

/** One image field in one resource. */
export interface Occurrence {
  resource: ResourceSlot;
  /** Path inside the resource */
  path: Array<string | number>;
  image: string;
  node: YamlNode;
  /** The built-in location or rule that found it (for -list-images) */
  foundBy: string;
}

/** Where an image is used, as results point at it. */
export function resultAt(o: Occurrence, severity: Result['severity'], message: string, extra: Partial<NonNullable<Result['field']>> = {}): Result {
  return {
    message,
    severity,
    resourceRef: o.resource.ref,
    field: { path: fieldPath(o.path), ...extra },
    ...(o.resource.file ? { file: o.resource.file } : {}),
  };
}

/**
 * `{{inputs.parameters.image}}` in an Argo resource (Workflow, WorkflowTemplate, CronWorkflow, ...), or
 * `$(params.image)` in a Tekton one: filled in when the workflow or task runs, so there is nothing to pin yet.
 */
function runtimeTemplate(resource: ResourceSlot, image: string): string | undefined {
  const apiVersion = resource.ref.apiVersion ?? '';
  if (image.includes('{{') && apiVersion.startsWith('argoproj.io/')) return 'an Argo template expression, resolved when the workflow runs';
  if (image.includes('$(') && apiVersion.startsWith('tekton.dev/')) return 'a Tekton parameter, substituted when the task runs';
  return undefined;
}

export interface LocateSettings {
  /** -find-podspecs */
  findPodSpecs: boolean;
  /** Report image-like keys that nothing covers, as warnings (-debug, -list-images) */
  reportUncovered: boolean;
}

/**
 * Finds every image field (Argo template expressions give info results, in `errors` too); non-string values
 * become error results here, since nothing can be resolved from them. A field reached through an alias or a
 * merge key is kept only when its anchored scalar is itself an image field found directly: editing that one
 * node then rewrites both, and nothing else can change with it. Throws (naming the document) when a document
 * expands past its node budget.
 */
export function collectOccurrences(
  resources: readonly ResourceSlot[],
  rules: CompiledRules,
  mode: 'k8s' | 'yaml',
  settings: LocateSettings = { findPodSpecs: true, reportUncovered: false },
): { occurrences: Occurrence[]; errors: Result[]; warnings: Result[] } {
  const occurrences: Occurrence[] = [];
  const errors: Result[] = [];
  const warnings: Result[] = [];
  const shared: Occurrence[] = [];
  const report = (resource: ResourceSlot, path: ReadonlyArray<string | number>, severity: Result['severity'], message: string): void => {
    errors.push({ message, severity, resourceRef: resource.ref, field: { path: fieldPath(path) }, ...(resource.file ? { file: resource.file } : {}) });
  };
  for (const resource of resources) {
    const id = [resource.ref.apiVersion, resource.ref.kind, resource.ref.name].filter(Boolean).join('/');
    const located = locateAll(resource.value, rules, mode, {
      findPodSpecs: settings.findPodSpecs,
      reportUncovered: settings.reportUncovered,
      sourceSize: resource.node.end - resource.node.start,
      where: `stdin ${resource.label}${id ? ` (${id})` : ''}`,
    });
    for (const u of located.uncovered) {
      warnings.push({
        message: `${resource.ref.kind ?? 'resource'} field ${fieldPath(u.path)} looks like an image (${u.value}) but no built-in location or rule covers it: add a rule (-rules-config) if it is deployed`,
        severity: 'warning',
        resourceRef: resource.ref,
        field: { path: fieldPath(u.path), currentValue: u.value },
        ...(resource.file ? { file: resource.file } : {}),
      });
    }
    for (const field of located.fields) {
      const template = typeof field.value === 'string' ? runtimeTemplate(resource, field.value) : undefined;
      if (template) {
        // Not an error: the workflow engine fills the parameter in; say so and leave it.
        report(resource, field.path, 'info', `image ${String(field.value)} is ${template}; left as it is`);
        continue;
      }
      if (typeof field.value !== 'string') {
        report(resource, field.path, 'error', `image must be a string, got ${field.value === null ? 'null' : Array.isArray(field.value) ? 'a list' : typeof field.value} (found by ${field.foundBy})`);
        continue;
      }
      const found = findNode(resource.node, field.path);
      if (!found.node) {
        report(resource, field.path, 'error', `image field cannot be edited in place: ${found.reason}`);
        continue;
      }
      (found.shared ? shared : occurrences).push({ resource, path: field.path, image: field.value, node: found.node, foundBy: field.foundBy });
    }
  }
  const direct = new Set(occurrences.map((o) => o.node));
  for (const o of shared) {
    if (direct.has(o.node)) occurrences.push(o);
    else report(o.resource, o.path, 'error', 'image field cannot be edited in place: it comes through an alias or merge key (<<) from an anchor that is not itself an image field, so editing it would change other fields too');
  }
  return { occurrences, errors, warnings };
}

/** Distinct image strings in first-seen order, each with every place it is used. */
export function groupByImage(occurrences: readonly Occurrence[]): Map<string, Occurrence[]> {
  const groups = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const g = groups.get(o.image);
    if (g) g.push(o);
    else groups.set(o.image, [o]);
  }
  return groups;
}

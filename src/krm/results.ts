/** KRM function results (kpt's FunctionResult shape), rendered as block YAML for the ResourceList. */
import { safeLine } from '../util/text';

export type Severity = 'error' | 'warning' | 'info';

export interface ResourceRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string; currentValue?: string; proposedValue?: string };
  file?: { path: string; index?: number };
}

/** kpt and kustomize count an error result as a pass unless the process exits non-zero, so callers exit 1 when this is true. */
export function hasErrors(results: readonly Result[]): boolean {
  return results.some((r) => r.severity === 'error');
}

/** `spec.template.spec.containers[0].image`, the field-path form kpt prints. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

// Double-quoted JSON strings are valid YAML 1.1 and 1.2 scalars, so no value can change type on the way back.
// kpt prints results to a terminal, so controls are escaped to visible text first (no forged lines, no raw ESC).
const q = (s: string): string => JSON.stringify(safeLine(s));

/** Renders `results:` as a block sequence, the style kpt expects back. */
export function renderResultsYaml(results: readonly Result[], eol = '\n'): string {
  const lines = ['results:'];
  for (const r of results) {
    lines.push(`- message: ${q(r.message)}`, `  severity: ${r.severity}`);
    if (r.resourceRef) {
      lines.push('  resourceRef:');
      for (const k of ['apiVersion', 'kind', 'name', 'namespace'] as const) {
        const v = r.resourceRef[k];
        if (v !== undefined) lines.push(`    ${k}: ${q(v)}`);
      }
    }
    if (r.field) {
      lines.push('  field:', `    path: ${q(r.field.path)}`);
      if (r.field.currentValue !== undefined) lines.push(`    currentValue: ${q(r.field.currentValue)}`);
      if (r.field.proposedValue !== undefined) lines.push(`    proposedValue: ${q(r.field.proposedValue)}`);
    }
    if (r.file) {
      lines.push('  file:', `    path: ${q(r.file.path)}`);
      if (r.file.index !== undefined) lines.push(`    index: ${r.file.index}`);
    }
  }
  return lines.join(eol) + eol;
}

function describeResource(ref: ResourceRef | undefined): string {
  if (!ref) return '';
  const ns = ref.namespace ? `${ref.namespace}/` : '';
  return `${ref.apiVersion ?? ''}/${ref.kind ?? ''}/${ns}${ref.name ?? ''}`;
}

/** One line per result for stderr, like kpt prints them: `[error] apps/v1/Deployment/web spec...image: message`. */
export function formatResult(r: Result): string {
  const where = [describeResource(r.resourceRef), r.field?.path].filter(Boolean).join(' ');
  const file = r.file ? ` (${r.file.path}${r.file.index !== undefined && r.file.index > 0 ? `#${r.file.index}` : ''})` : '';
  return safeLine(`[${r.severity}] ${where ? `${where}: ` : ''}${r.message}${file}`);
}

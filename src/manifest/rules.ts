/**
 * Image-location rules in the Go reimage's format: `kind` and `apiVersion`
 * regexps (RE2 syntax) and `imageJSONP` queries. Kind `Raw` marks a rule for
 * `-input yaml` documents. Everything is validated when compiled, so a bad
 * rule fails the run before any work starts.
 */
import { load } from 'js-yaml';
import type { ImageRule } from './types';
import { parseGoRegexp } from '../gocompat/regexp';
import type { GoRegexp } from '../gocompat/regexp';
import { UsageError } from '../util/errors';
import { JsonPathSyntaxError, parseJsonPath, queryJsonPath } from './jsonpath';

export interface CompiledQuery {
  source: string;
  path: ReadonlyArray<string | number>;
}

export interface CompiledRule {
  /** Position in the list given to compileRules, for messages */
  index: number;
  /** Kind `Raw`: applies to any document in yaml mode, has no kind/apiVersion test */
  raw: boolean;
  kind: GoRegexp | undefined;
  apiVersion: GoRegexp | undefined;
  queries: readonly CompiledQuery[];
}

export interface CompiledRules {
  /** Rules for Kubernetes objects, in order; the first whose kind and apiVersion match wins */
  readonly k8s: readonly CompiledRule[];
  /** The first Raw rule, applied to every document in yaml mode */
  readonly raw: CompiledRule | undefined;
}

const POD_SPEC_CONTAINERS = (base: string): string[] => [
  `${base}.containers[*].image`,
  `${base}.initContainers[*].image`,
  `${base}.ephemeralContainers[*].image`,
];

const ARGO_TEMPLATES = (base: string): string[] => [
  `${base}[*].container.image`,
  `${base}[*].script.image`,
  `${base}[*].initContainers[*].image`,
  `${base}[*].sidecars[*].image`,
  `${base}[*].containerSet.containers[*].image`,
];

/** Rules for well-known CRDs; they go after the user's rules, so a user rule for the same kind wins. */
export const DEFAULT_RULES: readonly ImageRule[] = Object.freeze([
  // The Go tool's only default rule.
  { kind: '^Prometheus$', apiVersion: '^monitoring\\.coreos\\.com/v1$', imageJSONP: ['$.spec.image', '$.spec.containers[*].image', '$.spec.initContainers[*].image'] },
  { kind: '^(Service|Configuration)$', apiVersion: '^serving\\.knative\\.dev/v1$', imageJSONP: ['$.spec.template.spec.containers[*].image', '$.spec.template.spec.initContainers[*].image'] },
  { kind: '^Rollout$', apiVersion: '^argoproj\\.io/v1alpha1$', imageJSONP: POD_SPEC_CONTAINERS('$.spec.template.spec') },
  { kind: '^(Workflow|WorkflowTemplate|ClusterWorkflowTemplate)$', apiVersion: '^argoproj\\.io/v1alpha1$', imageJSONP: ARGO_TEMPLATES('$.spec.templates') },
  { kind: '^CronWorkflow$', apiVersion: '^argoproj\\.io/v1alpha1$', imageJSONP: ARGO_TEMPLATES('$.spec.workflowSpec.templates') },
]);

function fail(index: number, what: string, err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  throw new UsageError(`rules-config rule ${index}: ${what}: ${msg}`, { cause: err });
}

function compileRegexp(index: number, field: string, source: unknown): GoRegexp {
  if (typeof source !== 'string') fail(index, `${field} must be a string`, `got ${source === null ? 'null' : typeof source}`);
  try {
    return parseGoRegexp(source);
  } catch (e) {
    return fail(index, `invalid ${field} regexp ${JSON.stringify(source)}`, e);
  }
}

function compileQuery(index: number, k: number, source: unknown): CompiledQuery {
  if (typeof source !== 'string') fail(index, `imageJSONP[${k}] must be a string`, `got ${source === null ? 'null' : typeof source}`);
  const what = `invalid imageJSONP[${k}] ${JSON.stringify(source)}`;
  try {
    const path = parseJsonPath(source);
    queryJsonPath(path, {}); // whatever jsonpath-plus itself rejects surfaces now, not mid-run
    return { source, path };
  } catch (e) {
    if (e instanceof JsonPathSyntaxError || e instanceof Error) return fail(index, what, e);
    throw e;
  }
}

/** Validates and compiles rules (user rules first, then DEFAULT_RULES, as the caller orders them). Throws UsageError. */
export function compileRules(rules: readonly ImageRule[]): CompiledRules {
  const k8s: CompiledRule[] = [];
  let raw: CompiledRule | undefined;
  rules.forEach((rule, index) => {
    if (rule === null || typeof rule !== 'object') fail(index, 'not a mapping', `got ${rule === null ? 'null' : typeof rule}`);
    const isRaw = rule.kind === 'Raw' || rule.kind === 'raw';
    const jsonp: unknown = rule.imageJSONP ?? [];
    if (!Array.isArray(jsonp)) fail(index, 'imageJSONP must be a list of strings', `got ${typeof jsonp}`);
    const queries = (jsonp as unknown[]).map((q, k) => compileQuery(index, k, q));
    const compiled: CompiledRule = {
      index,
      raw: isRaw,
      kind: isRaw ? undefined : compileRegexp(index, 'kind', rule.kind ?? ''),
      apiVersion: isRaw ? undefined : compileRegexp(index, 'apiVersion', rule.apiVersion ?? ''),
      queries,
    };
    if (isRaw) raw ??= compiled;
    else k8s.push(compiled);
  });
  return { k8s, raw };
}

/** The first k8s rule whose kind and apiVersion regexps match (Go's FindK8sImages). */
export function matchRule(rules: CompiledRules, kind: string, apiVersion: string): CompiledRule | undefined {
  return rules.k8s.find((r) => (r.kind as GoRegexp).test(kind) && (r.apiVersion as GoRegexp).test(apiVersion));
}

function field(obj: Record<string, unknown>, name: string): unknown {
  // Go's YAML->JSON decoding matches field names case-insensitively.
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** Reads a -rules-config file: a YAML list of {kind, apiVersion, imageJSONP}. Throws UsageError naming `source`. */
export function parseRulesConfig(text: string, source: string): ImageRule[] {
  let doc: unknown;
  try {
    doc = load(text, { filename: source });
  } catch (e) {
    const reason = e instanceof Error && 'reason' in e ? String((e as { reason: unknown }).reason) : String(e);
    throw new UsageError(`rules-config ${source}: invalid YAML: ${reason}`, { cause: e });
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new UsageError(`rules-config ${source}: expected a list of rules`);
  return doc.map((r: unknown, i): ImageRule => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new UsageError(`rules-config ${source}: rule ${i} is not a mapping`);
    const rec = r as Record<string, unknown>;
    const kind = field(rec, 'kind') ?? '';
    const apiVersion = field(rec, 'apiVersion') ?? '';
    const imageJSONP = field(rec, 'imageJSONP') ?? [];
    if (typeof kind !== 'string' || typeof apiVersion !== 'string') throw new UsageError(`rules-config ${source}: rule ${i}: kind and apiVersion must be strings`);
    if (!Array.isArray(imageJSONP) || !imageJSONP.every((q) => typeof q === 'string')) {
      throw new UsageError(`rules-config ${source}: rule ${i}: imageJSONP must be a list of strings`);
    }
    return { kind, apiVersion, imageJSONP: imageJSONP as string[] };
  });
}

/**
 * Where images live in a resource: the pod specs of core workload kinds (by
 * kind AND API group, so a CRD that reuses a name is not mistaken for one),
 * List kinds item by item, then the first matching jsonpath rule.
 */
import { matchRule, type CompiledRules } from './rules';
import { queryJsonPath } from './jsonpath';
import type { ImageField } from './types';

type Path = Array<string | number>;
type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

interface Workload {
  groups: readonly string[];
  podSpec: readonly string[];
}

const CORE = [''];
const APPS = ['apps', 'extensions'];
const TEMPLATE = ['spec', 'template', 'spec'];

// Where each built-in kind keeps its PodSpec, and the API groups that define that kind.
const WORKLOADS: Readonly<Record<string, Workload>> = {
  Pod: { groups: CORE, podSpec: ['spec'] },
  PodTemplate: { groups: CORE, podSpec: ['template', 'spec'] },
  ReplicationController: { groups: CORE, podSpec: TEMPLATE },
  Deployment: { groups: APPS, podSpec: TEMPLATE },
  ReplicaSet: { groups: APPS, podSpec: TEMPLATE },
  DaemonSet: { groups: APPS, podSpec: TEMPLATE },
  StatefulSet: { groups: ['apps'], podSpec: TEMPLATE },
  Job: { groups: ['batch'], podSpec: TEMPLATE },
  CronJob: { groups: ['batch'], podSpec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
const MAX_LIST_DEPTH = 8;

/** `apps/v1` -> `apps`; `v1` -> `` (the core group). */
function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function podSpecImages(spec: unknown, base: Path, out: ImageField[]): void {
  if (!isRecord(spec)) return;
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c: unknown, i) => {
      if (isRecord(c) && Object.hasOwn(c, 'image')) out.push({ path: [...base, list, i, 'image'], value: c['image'] });
    });
  }
  // Image volumes (KEP-4639): volumes[].image.reference.
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    volumes.forEach((v: unknown, i) => {
      const img = isRecord(v) ? v['image'] : undefined;
      if (isRecord(img) && Object.hasOwn(img, 'reference')) out.push({ path: [...base, 'volumes', i, 'image', 'reference'], value: img['reference'] });
    });
  }
}

function dig(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const k of path) cur = isRecord(cur) ? cur[k] : undefined;
  return cur;
}

function runQueries(rule: { queries: ReadonlyArray<{ path: ReadonlyArray<string | number> }> }, obj: unknown, base: Path, out: ImageField[]): void {
  for (const q of rule.queries) {
    for (const m of queryJsonPath(q.path, obj)) out.push({ path: [...base, ...m.path], value: m.value });
  }
}

function locateObject(obj: Rec, kind: string, apiVersion: string, rules: CompiledRules, base: Path, out: ImageField[], depth: number): void {
  const workload = Object.hasOwn(WORKLOADS, kind) ? WORKLOADS[kind] : undefined;
  if (workload && workload.groups.includes(groupOf(apiVersion))) {
    podSpecImages(dig(obj, workload.podSpec), [...base, ...workload.podSpec], out);
  }
  const items = obj['items'];
  if (kind.endsWith('List') && Array.isArray(items) && depth < MAX_LIST_DEPTH) {
    // A typed list (DeploymentList) may omit kind and apiVersion on its items.
    const elementKind = kind === 'List' ? '' : kind.slice(0, -'List'.length);
    items.forEach((item: unknown, i) => {
      if (!isRecord(item)) return;
      const k = typeof item['kind'] === 'string' ? item['kind'] : elementKind;
      const av = typeof item['apiVersion'] === 'string' ? item['apiVersion'] : kind === 'List' ? '' : apiVersion;
      locateObject(item, k, av, rules, [...base, 'items', i], out, depth + 1);
    });
  }
  const rule = matchRule(rules, kind, apiVersion);
  if (rule) runQueries(rule, obj, base, out);
}

/**
 * Image fields of one resource (or, in yaml mode, any document). In k8s mode:
 * built-in kinds, List items, and the first matching rule. In yaml mode only
 * the first `Raw` rule, applied to the whole document. Results are
 * deduplicated by path, in discovery order.
 */
export function locateImages(resource: unknown, rules: CompiledRules, mode: 'k8s' | 'yaml'): ImageField[] {
  const out: ImageField[] = [];
  // yaml mode is the Go tool's ProcessRawYAML: only the Raw rule, so values files are not read as Kubernetes objects.
  if (mode === 'k8s' && isRecord(resource)) {
    const kind = typeof resource['kind'] === 'string' ? resource['kind'] : '';
    const apiVersion = typeof resource['apiVersion'] === 'string' ? resource['apiVersion'] : '';
    locateObject(resource, kind, apiVersion, rules, [], out, 0);
  }
  if (mode === 'yaml' && rules.raw && resource !== null && typeof resource === 'object') runQueries(rules.raw, resource, [], out);
  if (out.length < 2) return out;
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = JSON.stringify(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Where images live in a resource, in the order they are reported:
 * 1. the pod specs of core workload kinds (by kind AND API group, so a CRD
 *    that reuses a name is not mistaken for one);
 * 2. pod specs anywhere (-find-podspecs): any object, in any kind, holding
 *    containers / initContainers / ephemeralContainers lists of objects with
 *    `name` and `image`, and that object's volumes[].image.reference. Nothing
 *    under a `status` key is a pod spec: it reports, it does not deploy;
 * 3. List kinds item by item, then the first matching jsonpath rule.
 *
 * Every document is first walked once within a node budget proportional to
 * its source size, so an alias bomb (a few hundred bytes that expand to
 * billions of nodes) fails fast, naming the document, before any rule runs.
 */
import { queryJsonPath } from './jsonpath';
import { ManifestError } from './errors';
import { matchRule } from './rules';
import type { CompiledRule, CompiledRules } from './rules';
import type { ImageField } from './types';
import { isRecord } from '../util/record';

type Path = Array<string | number>;
type Rec = Record<string, unknown>;


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
const POD_SPEC = 'pod spec';
const BUILT_IN = 'built-in ';

/** Nodes a document may expand to: generous for any real manifest, far below what an alias bomb needs. */
export function nodeBudget(sourceSize: number): number {
  return 10_000 + 20 * sourceSize;
}

/** `apps/v1` -> `apps`; `v1` -> `` (the core group). */
function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * The images of one pod spec. A core workload's are all reported, non-strings too (its schema says string, so
 * anything else is an error to show). Found by shape in another kind (`byShape`), a container needs a `name` and
 * a string `image`: an object that merely looks similar (`image: {repository, tag}`) is not a pod spec.
 */
function podSpecImages(spec: unknown, base: Path, foundBy: string, out: ImageField[], byShape: boolean): void {
  if (!isRecord(spec)) return;
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c: unknown, i) => {
      if (isRecord(c) && Object.hasOwn(c, 'image') && (!byShape || isContainer(c))) out.push({ path: [...base, list, i, 'image'], value: c['image'], foundBy });
    });
  }
  // Image volumes (KEP-4639): volumes[].image.reference.
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    volumes.forEach((v: unknown, i) => {
      const img = isRecord(v) ? v['image'] : undefined;
      if (isRecord(img) && Object.hasOwn(img, 'reference') && (!byShape || typeof img['reference'] === 'string')) {
        out.push({ path: [...base, 'volumes', i, 'image', 'reference'], value: img['reference'], foundBy });
      }
    });
  }
}

function isContainer(c: Rec): boolean {
  return Object.hasOwn(c, 'name') && typeof c['image'] === 'string';
}

/** Pod spec shape: a container list holding at least one object with a `name` and a string `image`. */
function isPodSpec(obj: Rec): boolean {
  for (const list of CONTAINER_LISTS) {
    const items = obj[list];
    if (Array.isArray(items) && items.some((c: unknown) => isRecord(c) && isContainer(c))) return true;
  }
  return false;
}

function dig(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const k of path) cur = isRecord(cur) ? cur[k] : undefined;
  return cur;
}

/** A string under a key named `image` or ending in `Image`, wherever it is. */
export interface ImageLikeField {
  path: Path;
  value: string;
}

const IMAGE_KEY = /(?:^image|Image)$/;

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  key: string | number;
}

function pathOf(f: Frame): Path {
  const out: Path = [];
  for (let cur: Frame | undefined = f; cur?.parent; cur = cur.parent) out.push(cur.key);
  return out.reverse();
}

/**
 * One pass over the whole document within `budget` nodes: pod specs (when asked) and image-like keys.
 * Shared nodes (YAML aliases) are walked once per place they appear, which is what the budget bounds.
 */
function walk(root: unknown, budget: number, where: string, sourceSize: number, podSpecs: ImageField[] | undefined, imageLike: ImageLikeField[] | undefined): void {
  let count = 0;
  const stack: Frame[] = [{ value: root, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const f = stack.pop() as Frame;
    const v = f.value;
    if (Array.isArray(v)) {
      count += v.length;
      if (count > budget) throw budgetError(where, budget, sourceSize);
      for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null && typeof v[i] === 'object') stack.push({ value: v[i], parent: f, key: i });
      continue;
    }
    if (!isRecord(v)) continue;
    const keys = Object.keys(v);
    count += keys.length;
    if (count > budget) throw budgetError(where, budget, sourceSize);
    if (podSpecs && isPodSpec(v)) podSpecImages(v, pathOf(f), POD_SPEC, podSpecs, true);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      if (k === 'status') continue; // reported state, never deployed
      const x = v[k];
      if (x !== null && typeof x === 'object') stack.push({ value: x, parent: f, key: k });
      else if (imageLike && typeof x === 'string' && IMAGE_KEY.test(k)) imageLike.push({ path: [...pathOf(f), k], value: x });
    }
  }
}

function budgetError(where: string, budget: number, sourceSize: number): ManifestError {
  return new ManifestError(
    `${where}: refusing to walk a document that expands to more than ${budget} nodes from ${sourceSize} characters of YAML: aliases repeat nodes (an alias bomb?)`,
  );
}

function runQueries(rule: CompiledRule, obj: unknown, base: Path, out: ImageField[]): void {
  for (const q of rule.queries) {
    for (const m of queryJsonPath(q, obj)) out.push({ path: [...base, ...m.path], value: m.value, foundBy: `${rule.label}: ${q.source}` });
  }
}

function locateObject(obj: Rec, kind: string, apiVersion: string, rules: CompiledRules, base: Path, out: ImageField[], depth: number): void {
  const workload = Object.hasOwn(WORKLOADS, kind) ? WORKLOADS[kind] : undefined;
  if (workload && workload.groups.includes(groupOf(apiVersion))) {
    podSpecImages(dig(obj, workload.podSpec), [...base, ...workload.podSpec], `${BUILT_IN}${kind}`, out, false);
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

export interface LocateOptions {
  /** -find-podspecs: find pod specs in any kind (default true) */
  findPodSpecs?: boolean;
  /** Size of the document's source text: sets the node budget (default: a budget for 50k characters) */
  sourceSize?: number;
  /** Names the document in errors, e.g. "stdin document 3" */
  where?: string;
  /** Also return the image-like keys that nothing above covers */
  reportUncovered?: boolean;
}

export interface LocateResult {
  /** Image fields, deduplicated by path, in discovery order */
  fields: ImageField[];
  /** Strings under `image` / `*Image` keys that no location or rule covers (when reportUncovered) */
  uncovered: ImageLikeField[];
}

/** Known image-like keys that name no deployable image: a registry to scan, a push target, an RBD image. */
function leftAlone(resource: Rec, path: Path): boolean {
  let owner: unknown = resource;
  let rel = path;
  // The owner of a path inside a List is the item.
  while (isRecord(owner) && String(owner['kind'] ?? '').endsWith('List') && rel[0] === 'items' && typeof rel[1] === 'number') {
    const items = owner['items'];
    owner = Array.isArray(items) ? items[rel[1]] : undefined;
    rel = rel.slice(2);
  }
  const o = isRecord(owner) ? owner : {};
  const group = groupOf(typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '');
  const p = rel.join('.');
  if (group === 'image.toolkit.fluxcd.io') return true; // Flux: repositories to scan, not images to run
  if (group.endsWith('crossplane.io')) return true; // package references
  if (o['kind'] === 'KafkaConnect' && p === 'spec.build.output.image') return true; // where a build pushes
  if (rel.length >= 2 && rel[rel.length - 2] === 'rbd') return true; // a Ceph RBD image, not a container image
  return rel.some((k) => k === 'withItems' || k === 'withParam'); // Argo loop parameters are data
}

/**
 * Image fields of one resource (or, in yaml mode, any document). In k8s mode:
 * built-in kinds, pod specs anywhere, List items, and the first matching rule.
 * In yaml mode only the first `Raw` rule, applied to the whole document.
 * Throws ManifestError when the document exceeds its node budget.
 */
export function locateAll(resource: unknown, rules: CompiledRules, mode: 'k8s' | 'yaml', opts: LocateOptions = {}): LocateResult {
  const sourceSize = opts.sourceSize ?? 50_000;
  const imageLike: ImageLikeField[] | undefined = opts.reportUncovered ? [] : undefined;
  const podSpecs: ImageField[] = [];
  const findPodSpecs = opts.findPodSpecs !== false && mode === 'k8s';
  walk(resource, nodeBudget(sourceSize), opts.where ?? 'document', sourceSize, findPodSpecs ? podSpecs : undefined, imageLike);

  let out: ImageField[] = [];
  // yaml mode is the Go tool's ProcessRawYAML: only the Raw rule, so values files are not read as Kubernetes objects.
  if (mode === 'k8s' && isRecord(resource)) {
    const kind = typeof resource['kind'] === 'string' ? resource['kind'] : '';
    const apiVersion = typeof resource['apiVersion'] === 'string' ? resource['apiVersion'] : '';
    const found: ImageField[] = [];
    locateObject(resource, kind, apiVersion, rules, [], found, 0);
    // Built-in kinds first (they name themselves), then pod specs found elsewhere, then rules.
    const builtIn = found.filter((f) => f.foundBy.startsWith(BUILT_IN));
    out = builtIn.concat(podSpecs, found.filter((f) => !f.foundBy.startsWith(BUILT_IN)));
  }
  if (mode === 'yaml' && rules.raw && resource !== null && typeof resource === 'object') runQueries(rules.raw, resource, [], out);
  const seen = new Set<string>();
  const fields = out.filter((f) => {
    const key = JSON.stringify(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const uncovered = (imageLike ?? []).filter((c) => !seen.has(JSON.stringify(c.path)) && !(isRecord(resource) && leftAlone(resource, c.path)));
  return { fields, uncovered };
}

/** locateAll's fields alone. */
export function locateImages(resource: unknown, rules: CompiledRules, mode: 'k8s' | 'yaml', opts: LocateOptions = {}): ImageField[] {
  return locateAll(resource, rules, mode, opts).fields;
}

/**
 * FunctionConfig -> options. Two forms: the typed `ReImage` resource with a
 * nested camelCase spec, and kpt's ConfigMap (`-- key=value`) whose data
 * keys are the flag names. Both are driven by the flag table.
 */
import { UsageError } from '../util/errors';
import { assignOption, checkChoice, OptionValue, parseValueText, ValueError } from './convert';
import { parseGoDuration } from '../gocompat/duration';
import { FLAG_DEFS, FlagDef, flagByName } from './flagdefs';
import { ParsedSettings } from './flags';
import { ImageRule, Options } from './options';
import { closest, didYouMean, normalizeKey } from './suggest';

export const FN_API_VERSION = 'fn.reimage.dev/v1alpha1';
export const FN_KIND = 'ReImage';

type Node = { group: Map<string, Node> } | { def: FlagDef } | { rules: true };
type Obj = Record<string, unknown>;

const RULE_FIELDS = ['kind', 'apiVersion', 'imageJSONP'] as const;

function buildSpecTree(): Map<string, Node> {
  const root = new Map<string, Node>([['rules', { rules: true }]]);
  for (const def of FLAG_DEFS) {
    if (def.spec === undefined) continue;
    const parts = def.spec.split('.');
    let level = root;
    for (const p of parts.slice(0, -1)) {
      let n = level.get(p);
      if (!n) level.set(p, (n = { group: new Map() }));
      if (!('group' in n)) throw new Error(`flag table: ${def.spec} nests under a leaf`);
      level = n.group;
    }
    level.set(parts[parts.length - 1] as string, { def });
  }
  return root;
}

const SPEC_TREE = buildSpecTree();

/** Every leaf path of the typed form, e.g. "spec.rename.remotePath", "spec.rules[].kind". */
export function functionConfigPaths(): string[] {
  const out: string[] = [];
  const walk = (level: Map<string, Node>, prefix: string): void => {
    for (const [k, n] of level) {
      const path = `${prefix}.${k}`;
      if ('group' in n) walk(n.group, path);
      else if ('rules' in n) for (const f of RULE_FIELDS) out.push(`${path}[].${f}`);
      else out.push(path);
    }
  };
  walk(SPEC_TREE, 'spec');
  return out;
}

/** Every group and leaf path, for hints across groups (spec.noCopy -> spec.copy.disabled). */
const SPEC_PATHS: readonly string[] = (() => {
  const out: string[] = [];
  const walk = (level: Map<string, Node>, prefix: string): void => {
    for (const [k, n] of level) {
      out.push(`${prefix}.${k}`);
      if ('group' in n) walk(n.group, `${prefix}.${k}`);
    }
  };
  walk(SPEC_TREE, 'spec');
  return out;
})();

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const EXPECTED: Readonly<Record<FlagDef['kind'], string>> = {
  bool: 'a boolean',
  string: 'a string',
  int: 'an integer',
  float: 'a number',
  duration: 'a Go duration string such as "5m" or "1h30m"',
  list: 'a list of strings',
};

class TypedReader {
  readonly options: Partial<Options> = {};
  readonly set = new Set<keyof Options>();

  private fail(msg: string): never {
    throw new UsageError(`FunctionConfig ${FN_KIND}: ${msg}`);
  }

  private unknown(path: string, key: string, siblings: Iterable<string>): never {
    let hint = closest(key, siblings);
    if (hint === undefined) {
      // A field of another group, or a flag name: spec.vulncheck.grafeas -> spec.grafeas.
      const k = normalizeKey(key);
      hint = SPEC_PATHS.find((p) => normalizeKey(p.split('.').pop() as string) === k);
      const def = FLAG_DEFS.find((d) => d.spec !== undefined && normalizeKey(d.name) === k);
      if (hint === undefined && def) hint = `spec.${def.spec}`;
    }
    this.fail(`unknown field ${JSON.stringify(path)}${didYouMean(hint)}`);
  }

  readSpec(spec: unknown): void {
    if (spec === undefined || spec === null) return;
    if (!isObj(spec)) this.fail(`field "spec" must be a mapping, got ${describe(spec)}`);
    this.readGroup(spec, SPEC_TREE, 'spec');
  }

  private readGroup(obj: Obj, level: Map<string, Node>, prefix: string): void {
    for (const [k, v] of Object.entries(obj)) {
      const path = `${prefix}.${k}`;
      const node = level.get(k);
      if (!node) this.unknown(path, k, level.keys());
      if ('group' in node) {
        if (!isObj(v)) this.fail(`field ${JSON.stringify(path)} must be a mapping, got ${describe(v)}`);
        this.readGroup(v, node.group, path);
      } else if ('rules' in node) {
        this.options.rules = this.readRules(v, path);
        this.set.add('rules');
      } else {
        assignOption(this.options, node.def.key, this.leaf(node.def, v, path));
        this.set.add(node.def.key);
      }
    }
  }

  private leaf(def: FlagDef, v: unknown, path: string): OptionValue {
    const bad = (): never => this.fail(`field ${JSON.stringify(path)} must be ${EXPECTED[def.kind]}, got ${describe(v)}`);
    switch (def.kind) {
      case 'bool':
        return typeof v === 'boolean' ? v : bad();
      case 'int':
        return typeof v === 'number' && Number.isSafeInteger(v) ? v : bad();
      case 'float':
        return typeof v === 'number' ? v : bad();
      case 'list':
        return Array.isArray(v) && v.every((x): x is string => typeof x === 'string') ? v : bad();
      case 'duration':
        if (typeof v !== 'string') return bad();
        try {
          return parseGoDuration(v);
        } catch (e) {
          return this.fail(`field ${JSON.stringify(path)}: ${(e as Error).message}`);
        }
      case 'string':
        if (typeof v !== 'string') return bad();
        try {
          checkChoice(def, v);
        } catch (e) {
          this.fail(`field ${JSON.stringify(path)} ${(e as Error).message}, got ${JSON.stringify(v)}`);
        }
        return v;
    }
  }

  private readRules(v: unknown, path: string): ImageRule[] {
    if (!Array.isArray(v)) this.fail(`field ${JSON.stringify(path)} must be a list of rules, got ${describe(v)}`);
    return v.map((r: unknown, i): ImageRule => {
      const at = `${path}[${i}]`;
      if (!isObj(r)) this.fail(`field ${JSON.stringify(at)} must be a mapping, got ${describe(r)}`);
      for (const k of Object.keys(r)) {
        if (!(RULE_FIELDS as readonly string[]).includes(k)) this.unknown(`${at}.${k}`, k, RULE_FIELDS);
      }
      const { kind, apiVersion = '', imageJSONP } = r;
      if (typeof kind !== 'string' || kind === '') this.fail(`field ${JSON.stringify(`${at}.kind`)} must be a non-empty string, got ${describe(kind)}`);
      if (typeof apiVersion !== 'string') this.fail(`field ${JSON.stringify(`${at}.apiVersion`)} must be a string, got ${describe(apiVersion)}`);
      if (!Array.isArray(imageJSONP) || imageJSONP.length === 0 || !imageJSONP.every((x): x is string => typeof x === 'string')) {
        this.fail(`field ${JSON.stringify(`${at}.imageJSONP`)} must be a non-empty list of strings, got ${describe(imageJSONP)}`);
      }
      return { kind, apiVersion, imageJSONP: [...imageJSONP] };
    });
  }
}

/** Flag names usable as ConfigMap keys: all table flags with a spec path. */
const CONFIGMAP_KEYS = FLAG_DEFS.filter((d) => d.spec !== undefined).map((d) => d.name);

function fromConfigMap(data: unknown): ParsedSettings {
  const fail = (msg: string): never => {
    throw new UsageError(`FunctionConfig ConfigMap: ${msg}`);
  };
  const options: Partial<Options> = {};
  const set = new Set<keyof Options>();
  if (data === undefined || data === null) return { options, set };
  if (!isObj(data)) return fail(`"data" must be a mapping, got ${describe(data)}`);
  for (const [k, v] of Object.entries(data)) {
    const def = flagByName(k);
    if (!def || def.spec === undefined || def.name !== k) fail(`unknown key ${JSON.stringify(k)}${didYouMean(closest(k, CONFIGMAP_KEYS))}`);
    // ConfigMap values are strings; tolerate hand-written unquoted YAML scalars.
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      fail(`key ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
    }
    const text = String(v);
    const d = def as FlagDef;
    try {
      assignOption(options, d.key, parseValueText(d, text));
    } catch (e) {
      if (e instanceof ValueError) fail(`invalid value ${JSON.stringify(text)} for key ${JSON.stringify(k)}: ${e.message}`);
      throw e;
    }
    set.add(d.key);
  }
  return { options, set };
}

const TYPED_TOP = ['apiVersion', 'kind', 'metadata', 'spec'];

/** Options from a ResourceList functionConfig; null/undefined give nothing. */
export function optionsFromFunctionConfig(fc: unknown): ParsedSettings {
  if (fc === undefined || fc === null) return { options: {}, set: new Set() };
  if (!isObj(fc)) throw new UsageError(`FunctionConfig must be a mapping, got ${describe(fc)}`);
  const { apiVersion, kind } = fc;
  if (kind === 'ConfigMap' && apiVersion === 'v1') return fromConfigMap(fc.data);
  if (kind === FN_KIND && apiVersion === FN_API_VERSION) {
    const r = new TypedReader();
    for (const k of Object.keys(fc)) {
      if (!TYPED_TOP.includes(k)) {
        throw new UsageError(`FunctionConfig ${FN_KIND}: unknown field ${JSON.stringify(k)}${didYouMean(closest(k, TYPED_TOP))}`);
      }
    }
    r.readSpec(fc.spec);
    return { options: r.options, set: r.set };
  }
  throw new UsageError(
    `unsupported FunctionConfig apiVersion ${JSON.stringify(apiVersion ?? '')} kind ${JSON.stringify(kind ?? '')}: want apiVersion ${FN_API_VERSION} kind ${FN_KIND}, or apiVersion v1 kind ConfigMap`,
  );
}

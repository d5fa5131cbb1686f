/**
 * Image-location rules in the Go reimage's format: `kind` and `apiVersion`
 * regexps (RE2 syntax) and `imageJSONP` queries. Kind `Raw` marks a rule for
 * `-input yaml` documents. Everything is validated when compiled, so a bad
 * rule fails the run before any work starts, with the Go tool's wording.
 *
 * The built-in rules are data: rules/default-rules.yaml, embedded at build
 * time in default-rules-data.ts.
 */
import { parseGoRegexp } from '../gocompat/regexp';
import type { GoRegexp } from '../gocompat/regexp';
import { UsageError } from '../util/errors';
import { ManifestError } from './errors';
import { parseYamlStream } from './parse';
import { DEFAULT_RULES_SOURCE, DEFAULT_RULES_YAML } from './default-rules-data';
import { parseJsonPath, queryJsonPath } from './jsonpath';
import type { ParsedJsonPath } from './jsonpath';
import type { ImageRule } from './types';

export interface CompiledRule {
  /** Position in its rule set, for messages */
  index: number;
  /** Where the rule came from and which it is, e.g. `rules/default-rules.yaml rule 4 (^Image$)`; shown by -list-images */
  label: string;
  /** Kind `Raw`: applies to any document in yaml mode, has no kind/apiVersion test */
  raw: boolean;
  kind: GoRegexp | undefined;
  apiVersion: GoRegexp | undefined;
  queries: readonly ParsedJsonPath[];
}

export interface CompiledRules {
  /** Rules for Kubernetes objects, in order; the first whose kind and apiVersion match wins */
  readonly k8s: readonly CompiledRule[];
  /** The first Raw rule, applied to every document in yaml mode */
  readonly raw: CompiledRule | undefined;
}

/** One source of rules: the FunctionConfig's spec.rules, a -rules-config file, the built-ins. */
export interface RuleSet {
  /** Names the source in messages: `spec.rules`, `rules-config FILE`, `rules/default-rules.yaml` */
  origin: string;
  rules: readonly ImageRule[];
}

function fail(origin: string, index: number, what: string): never {
  // The part after the colon is the Go tool's own message (CompileJSONImageFinders).
  throw new UsageError(`${origin} rule ${index}: could not compile json matcher ${index}, ${what}`);
}

function compileRegexp(origin: string, index: number, field: 'Kind' | 'APIVersion', source: unknown): GoRegexp {
  if (typeof source !== 'string') fail(origin, index, `${field} must be a string, got ${source === null ? 'null' : typeof source}`);
  try {
    return parseGoRegexp(source);
  } catch (e) {
    return fail(origin, index, `failed to compile ${field} regexp, ${(e as Error).message}`);
  }
}

function compileQuery(origin: string, index: number, source: unknown): ParsedJsonPath {
  if (typeof source !== 'string') fail(origin, index, `imageJSONP entries must be strings, got ${source === null ? 'null' : typeof source}`);
  try {
    const q = parseJsonPath(source);
    queryJsonPath(q, {}); // whatever jsonpath-plus itself rejects surfaces now, not mid-run
    return q;
  } catch (e) {
    return fail(origin, index, `failed to parse jsonpath expression ${JSON.stringify(source)}, ${(e as Error).message}`);
  }
}

/** Validates and compiles rule sets in order (user rules first, then the built-ins). Throws UsageError. */
export function compileRuleSets(sets: readonly RuleSet[]): CompiledRules {
  const k8s: CompiledRule[] = [];
  let raw: CompiledRule | undefined;
  for (const { origin, rules } of sets) {
    rules.forEach((rule, index) => {
      if (rule === null || typeof rule !== 'object') fail(origin, index, `rule is not a mapping, got ${rule === null ? 'null' : typeof rule}`);
      const isRaw = rule.kind === 'Raw' || rule.kind === 'raw';
      const jsonp: unknown = rule.imageJSONP ?? [];
      if (!Array.isArray(jsonp)) fail(origin, index, `imageJSONP must be a list of strings, got ${typeof jsonp}`);
      const queries = (jsonp as unknown[]).map((q) => compileQuery(origin, index, q));
      const compiled: CompiledRule = {
        index,
        label: `${origin} rule ${index} (${isRaw ? 'Raw' : `kind ${rule.kind || '""'}`})`,
        raw: isRaw,
        kind: isRaw ? undefined : compileRegexp(origin, index, 'Kind', rule.kind ?? ''),
        apiVersion: isRaw ? undefined : compileRegexp(origin, index, 'APIVersion', rule.apiVersion ?? ''),
        queries,
      };
      if (isRaw) raw ??= compiled;
      else k8s.push(compiled);
    });
  }
  return { k8s, raw };
}

/** compileRuleSets for one list of rules (named `rules-config` in messages). */
export function compileRules(rules: readonly ImageRule[], origin = 'rules-config'): CompiledRules {
  return compileRuleSets([{ origin, rules }]);
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
    // The manifest parser: bounded nesting, control characters and duplicate keys refused with their line.
    const docs = parseYamlStream(text);
    if (docs.length > 1) throw new ManifestError(`expected a single document, found ${docs.length}`);
    doc = docs[0]?.value;
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    throw new UsageError(`rules-config ${source}: invalid YAML: ${e.message}`, { cause: e });
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

/** The built-in rules (rules/default-rules.yaml); they go after the user's rules, so a user rule for the same kind wins. */
export const DEFAULT_RULES: readonly ImageRule[] = Object.freeze(parseRulesConfig(DEFAULT_RULES_YAML, DEFAULT_RULES_SOURCE));

/** The built-in rule set, for compileRuleSets. */
export const DEFAULT_RULE_SET: RuleSet = Object.freeze({ origin: DEFAULT_RULES_SOURCE, rules: DEFAULT_RULES });

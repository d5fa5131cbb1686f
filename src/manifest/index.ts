/**
 * Comment-preserving YAML stream IO, image locations and jsonpath rules.
 *
 * parseYamlStream gives each document's value (js-yaml) and a positional tree;
 * applyEdits splices new text into the original, so every byte outside the
 * edited ranges is kept. An image reached through an alias (`*x`) or a merge
 * key (`<<`) is not edited at all: resolvePath returns undefined and findNode
 * says why, for the caller to report. An anchored scalar (`&x nginx`) is
 * edited in place, which changes its aliases too, as YAML means it to.
 */
export { parseYamlStream, loadYamlValues, resolvePath, findNode, locationMessage, MAX_DEPTH } from './parse';
export { decodeInput } from './decode';
export type { FindResult } from './parse';
export { applyEdits } from './edit';
export { isSafePlain, quoteDouble, quoteSingle, renderScalar } from './quote';
export { locateAll, locateImages, nodeBudget } from './locate';
export type { ImageLikeField, LocateOptions, LocateResult } from './locate';
export { compileRules, compileRuleSets, parseRulesConfig, DEFAULT_RULES, DEFAULT_RULE_SET } from './rules';
export type { RuleSet } from './rules';
export type { CompiledRules, CompiledRule } from './rules';
export type { ParsedJsonPath } from './jsonpath';
export { isLocalConfig, resourceId, LOCAL_CONFIG_ANNOTATION } from './resource';
export { ManifestError } from './errors';
export type {
  Edit,
  ImageField,
  ImageRule,
  ResourceId,
  ScalarStyle,
  YamlAlias,
  YamlDoc,
  YamlMapping,
  YamlNode,
  YamlPair,
  YamlScalar,
  YamlSequence,
} from './types';

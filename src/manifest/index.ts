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
export { locateImages } from './locate';
export { compileRules, parseRulesConfig, DEFAULT_RULES } from './rules';
export type { CompiledRules, CompiledRule, CompiledQuery } from './rules';
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

/** Comment-preserving YAML stream IO, image locations and jsonpath rules. */
export { parseYamlStream, resolvePath, findNode } from './parse';
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

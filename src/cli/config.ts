/**
 * Configuration entry point: defaults <- functionConfig <- flags, then
 * validation. Re-exports the pieces so callers need one import.
 */
import { assignOption, OptionValue } from './convert';
import { FlagKey } from './flagdefs';
import { optionsFromFunctionConfig } from './functionconfig';
import { ParsedSettings, parseFlags } from './flags';
import { DEFAULT_OPTIONS, Options } from './options';
import { validateOptions } from './validate';

function defaults(): Options {
  // Fresh arrays, so callers may mutate the result.
  return { ...DEFAULT_OPTIONS, rules: [], vulncheckIgnoreCveList: [], insecureRegistries: [] };
}

function apply(target: Options, from: ParsedSettings): void {
  for (const key of from.set) {
    if (key === 'rules') {
      if (from.options.rules) target.rules = from.options.rules;
      continue;
    }
    const v = from.options[key] as OptionValue | undefined;
    if (v !== undefined) assignOption(target, key as FlagKey, v);
  }
}

export interface ResolvedOptions {
  options: Options;
  warnings: string[];
}

/**
 * With -h or -V, the functionConfig and validation are skipped: help and
 * version must work whatever else is wrong (Go exits before validating too).
 */
export function resolveOptions(argv: readonly string[], functionConfig: unknown): ResolvedOptions {
  const flags = parseFlags(argv);
  const options = defaults();
  if (flags.options.help || flags.options.version) {
    apply(options, flags);
    return { options, warnings: [] };
  }
  apply(options, optionsFromFunctionConfig(functionConfig));
  apply(options, flags);
  return { options, warnings: validateOptions(options) };
}

export { parseFlags } from './flags';
export type { ParsedSettings } from './flags';
export { optionsFromFunctionConfig, functionConfigPaths, FN_API_VERSION, FN_KIND } from './functionconfig';
export { validateOptions } from './validate';

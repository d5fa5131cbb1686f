/**
 * reimage's flag table on Go's flag syntax (gocompat/flag), so scripts written for the Go reimage keep working.
 * Syntax and type errors exit 2 as in Go; a value outside a flag's choices is a setup error (exit 1), as Go's setup() reports it.
 */
import { parseGoFlags } from '../gocompat/flag';
import { parseGoRegexp } from '../gocompat/regexp';
import { UsageError } from '../util/errors';
import { assignOption, checkChoice, OptionValue, parseValueText, ValueError } from './convert';
import { flagByName, FlagKey } from './flagdefs';
import { Options } from './options';

export interface ParsedSettings {
  options: Partial<Options>;
  /** Keys given explicitly; they win over the FunctionConfig. */
  set: Set<keyof Options>;
}

/**
 * Checks Go's flag.Value.Set makes for flags with their own type, so the error (and exit 2) come from the parser:
 * upstream's -vulncheck-ignore-cve-list compiles the REGEXP of `REGEXP=CVE,...` as it is set.
 */
const SET_CHECKS: ReadonlyMap<FlagKey, (raw: string) => void> = new Map([
  [
    'vulncheckIgnoreCveList',
    (raw: string) => {
      const eq = raw.indexOf('=');
      if (eq < 0) return;
      const source = raw.slice(0, eq);
      try {
        parseGoRegexp(source);
      } catch (e) {
        throw new Error(`bad regexp argument ${JSON.stringify(source)}, ${(e as Error).message}`);
      }
    },
  ],
]);

export function parseFlags(argv: readonly string[]): ParsedSettings {
  const options: Partial<Options> = {};
  const set = new Set<keyof Options>();
  const store = (key: FlagKey, value: OptionValue, append: boolean): void => {
    const prev = options[key];
    // Repeatable lists accumulate across occurrences; everything else: last one wins.
    if (append && Array.isArray(prev) && Array.isArray(value)) value = prev.concat(value);
    assignOption(options, key, value);
    set.add(key);
  };
  parseGoFlags(argv, (name) => {
    const def = flagByName(name);
    if (!def) return undefined;
    return {
      bool: def.kind === 'bool',
      set(text: string) {
        SET_CHECKS.get(def.key)?.(text);
        const value = parseValueText(def, text, false);
        try {
          checkChoice(def, text);
        } catch (e) {
          if (e instanceof ValueError) throw new UsageError(`invalid value ${JSON.stringify(text)} for flag -${name}: ${e.message}`);
          throw e;
        }
        store(def.key, value, def.kind !== 'bool' && def.repeatable === true);
      },
    };
  });
  return { options, set };
}

/**
 * reimage's flag table on Go's flag syntax (gocompat/flag), so scripts written for the Go reimage keep working.
 * Syntax and type errors exit 2 as in Go; a value outside a flag's choices is a setup error (exit 1), as Go's setup() reports it.
 */
import { parseGoFlags } from '../gocompat/flag';
import { UsageError } from '../util/errors';
import { assignOption, checkChoice, OptionValue, parseValueText, ValueError } from './convert';
import { flagByName, FlagKey } from './flagdefs';
import { Options } from './options';

export interface ParsedSettings {
  options: Partial<Options>;
  /** Keys given explicitly; they win over the FunctionConfig. */
  set: Set<keyof Options>;
}

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

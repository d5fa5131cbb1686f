/**
 * Command-line parsing with the exact syntax and error texts of Go's `flag`
 * package, so scripts written for the Go reimage keep working.
 */
import { UsageError } from '../util/errors';
import { assignOption, OptionValue, parseValueText, ValueError } from './convert';
import { flagByName, FlagKey } from './flagdefs';
import { Options } from './options';

export interface ParsedSettings {
  options: Partial<Options>;
  /** Keys given explicitly; they win over the FunctionConfig. */
  set: Set<keyof Options>;
}

const HINT = '(see reimage --help)';

export function parseFlags(argv: readonly string[]): ParsedSettings {
  const options: Partial<Options> = {};
  const set = new Set<keyof Options>();
  const store = (key: FlagKey, value: OptionValue, append: boolean): void => {
    const prev = options[key];
    // Repeatable lists accumulate across occurrences; everything else: last one wins.
    if (append && Array.isArray(prev) && Array.isArray(value)) value = [...prev, ...value];
    assignOption(options, key, value);
    set.add(key);
  };

  for (let i = 0; i < argv.length; i++) {
    const s = argv[i] as string;
    // Go stops at the first non-flag ("-" alone is one); reimage takes no arguments.
    if (s.length < 2 || s[0] !== '-') throw new UsageError(`unexpected argument ${JSON.stringify(s)} ${HINT}`);
    const dashes = s[1] === '-' ? 2 : 1;
    if (s === '--') {
      const rest = argv[i + 1];
      if (rest !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(rest)} ${HINT}`);
      break;
    }
    let name = s.slice(dashes);
    if (name === '' || name[0] === '-' || name[0] === '=') throw new UsageError(`bad flag syntax: ${s}`);
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const def = flagByName(name);
    if (!def) throw new UsageError(`flag provided but not defined: -${name} ${HINT}`);
    if (def.kind === 'bool') {
      // A bool never consumes the next argument: `-dryrun false` leaves "false" positional.
      const v = value ?? 'true';
      try {
        store(def.key, parseValueText(def, v), false);
      } catch (e) {
        if (e instanceof ValueError) throw new UsageError(`invalid boolean value ${JSON.stringify(v)} for -${name}: ${e.message}`);
        throw e;
      }
      continue;
    }
    if (value === undefined) {
      // Like Go, the next argument is the value even if it starts with a dash.
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[++i] as string;
    }
    try {
      store(def.key, parseValueText(def, value), def.repeatable === true);
    } catch (e) {
      if (e instanceof ValueError) throw new UsageError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${e.message}`);
      throw e;
    }
  }
  return { options, set };
}

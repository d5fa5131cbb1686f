/**
 * Go's `flag` package command-line syntax and error texts, independent of reimage's flag table:
 * `-name`, `--name`, `-name=value`, `-name value` (never for bools), stop at `--`.
 * Errors are FlagErrors, which exit 2 as Go's flag.ExitOnError does.
 */
import { UsageError } from '../util/errors';

/** A command-line syntax or value error: Go's flag package exits 2 for these. */
export class FlagError extends UsageError {
  override name = 'FlagError';
  readonly exitCode = 2;
}

/** What the parser needs to know about one flag. */
export interface GoFlag {
  /** Bool flags never consume the next argument (`-dryrun false` leaves "false" positional). */
  bool: boolean;
  /** Parses and stores one occurrence; throws Error(reason) on a bad value. */
  set(value: string): void;
}

const HINT = '(see reimage --help)';

/** Parses argv; `lookup` returns undefined for unknown names. reimage takes no positional arguments. */
export function parseGoFlags(argv: readonly string[], lookup: (name: string) => GoFlag | undefined): void {
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i] as string;
    // Go stops at the first non-flag ("-" alone is one).
    if (s.length < 2 || s[0] !== '-') throw new FlagError(`unexpected argument ${JSON.stringify(s)} ${HINT}`);
    if (s === '--') {
      const rest = argv[i + 1];
      if (rest !== undefined) throw new FlagError(`unexpected argument ${JSON.stringify(rest)} ${HINT}`);
      return;
    }
    let name = s.slice(s[1] === '-' ? 2 : 1);
    if (name === '' || name[0] === '-' || name[0] === '=') throw new FlagError(`bad flag syntax: ${s}`);
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const flag = lookup(name);
    if (!flag) throw new FlagError(`flag provided but not defined: -${name} ${HINT}`);
    if (flag.bool) {
      const v = value ?? 'true';
      setOrThrow(flag, v, (reason) => `invalid boolean value ${JSON.stringify(v)} for -${name}: ${reason}`);
      continue;
    }
    if (value === undefined) {
      // Like Go, the next argument is the value even if it starts with a dash.
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[++i] as string;
    }
    const v = value;
    setOrThrow(flag, v, (reason) => `invalid value ${JSON.stringify(v)} for flag -${name}: ${reason}`);
  }
}

function setOrThrow(flag: GoFlag, value: string, message: (reason: string) => string): void {
  try {
    flag.set(value);
  } catch (e) {
    // A UsageError from set() is a setup check (e.g. a choice), not syntax: it keeps its own text and exit code.
    if (e instanceof UsageError) throw e;
    throw new FlagError(message(e instanceof Error ? e.message : String(e)));
  }
}

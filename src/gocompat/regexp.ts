/** Go (RE2) regexps for the flags that take one, with errors that name the setting. */
import { UsageError } from '../util/errors';
import { goRegExp } from './goregexp';

export { goRegExp };

/** Compile `source` (Go syntax) for the setting `what` (e.g. "-rename-ignore"); UsageError on bad syntax. */
export function compileGoRegexp(source: string, what: string): RegExp {
  try {
    return goRegExp(source);
  } catch (e) {
    throw new UsageError(`invalid ${what} regexp ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
}

/** Text -> typed option value, shared by flags and ConfigMap data. */
import { FlagDef, FlagKey } from './flagdefs';
import { parseGoDuration } from '../gocompat/duration';
import { parseGoBool, parseGoFloat, parseGoInt } from '../gocompat/strconv';
import { Options } from './options';

export type OptionValue = boolean | number | string | string[];

/** The parse failed; message is the reason only, callers add which flag/key. */
export class ValueError extends Error {}

/** Split a comma separated list: items trimmed, empty items dropped (as Go's -vulncheck-ignore-cve-list). */
export function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** Text -> value; `choices` false leaves the choice check to the caller (flags report it as a setup error). */
export function parseValueText(def: FlagDef, raw: string, choices = true): OptionValue {
  switch (def.kind) {
    case 'bool': {
      const b = parseGoBool(raw);
      if (b === undefined) throw new ValueError('parse error');
      return b;
    }
    case 'int':
    case 'float': {
      const r = def.kind === 'int' ? parseGoInt(raw) : parseGoFloat(raw);
      if ('error' in r) throw new ValueError(r.error);
      return r.value;
    }
    case 'duration':
      try {
        return parseGoDuration(raw);
      } catch (e) {
        throw new ValueError(`parse error (${(e as Error).message})`);
      }
    case 'list':
      return def.whole ? [raw] : splitList(raw);
    case 'string':
      if (choices) checkChoice(def, raw);
      return raw;
  }
}

export function checkChoice(def: FlagDef, value: string): void {
  const choices: readonly string[] | undefined = def.choices;
  if (choices && !choices.includes(value)) throw new ValueError(`must be one of ${choices.join(', ')}`);
}

/** The single place where a checked value is stored under its (dynamically chosen) key. */
export function assignOption(target: Partial<Options>, key: FlagKey, value: OptionValue): void {
  (target as Record<FlagKey, OptionValue>)[key] = value;
}

/**
 * -vulncheck-ignore-cve-list, as upstream's VulnCheckIgnoreCVESpec: each occurrence is `CVE,…` (ignored for
 * every image) or `REGEXP=CVE,…` (ignored for images whose registry/repository@digest the RE2 regexp matches).
 * The text before the first `=` is the regexp, so a regexp may hold commas but not `=`.
 */
import { compareGoStrings } from '../gocompat/fmt';
import { compileGoRegexp } from '../gocompat/regexp';

export const IGNORE_CVE_FLAG = '-vulncheck-ignore-cve-list';

export interface IgnoreEntry {
  /** The regexp's source; undefined for the plain `CVE,…` form */
  source: string | undefined;
  matches: ((image: string) => boolean) | undefined;
  cves: ReadonlySet<string>;
}

export type IgnoreSpec = readonly IgnoreEntry[];

/** Items are trimmed and empty ones dropped (the seed trimmed; upstream kept " CVE-1", which never matches). */
function splitCves(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** One entry per flag occurrence (or list item in a FunctionConfig). Bad regexps are UsageErrors naming the flag. */
export function parseIgnoreSpec(values: readonly string[]): IgnoreSpec {
  return values.map((value): IgnoreEntry => {
    const eq = value.indexOf('=');
    if (eq < 0) return { source: undefined, matches: undefined, cves: new Set(splitCves(value)) };
    const source = value.slice(0, eq);
    const re = compileGoRegexp(source, `${IGNORE_CVE_FLAG} entry ${JSON.stringify(value)}`);
    return { source, matches: (image) => re.test(image), cves: new Set(splitCves(value.slice(eq + 1))) };
  });
}

/** `image` is the registry/repository@digest form (Go's dig.Name()). */
export function isIgnored(spec: IgnoreSpec, image: string, cve: string): boolean {
  return spec.some((e) => e.cves.has(cve) && (e.matches === undefined || e.matches(image)));
}

/** Every CVE named anywhere in the spec, sorted and unique (upstream's AllCVEs). */
export function allIgnoredCves(spec: IgnoreSpec): string[] {
  const all = new Set<string>();
  for (const e of spec) for (const c of e.cves) all.add(c);
  return [...all].sort(compareGoStrings);
}

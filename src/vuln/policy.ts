import { compileGoRegexp } from '../gocompat/regexp';
import type { GoRegexp } from '../gocompat/regexp';
import { UsageError } from '../util/errors';
import { formatBadEntry, formatCveEntry, goFormatFloat32 } from './format';
import type { VulnCheckResult, VulnPolicy, Vulnerability } from './types';

/**
 * Builds a policy from the flag values. The CVE list is already split on commas
 * (Go: strings.Split + TrimSpace); empty entries are dropped.
 */
export function buildPolicy(maxCvss: number, ignoreCveList: readonly string[], ignoreImages: string): VulnPolicy {
  if (!Number.isFinite(maxCvss) || maxCvss < 0) throw new UsageError(`-vulncheck-max-cvss must be a number >= 0, got ${maxCvss}`);
  // RE2 syntax, as the Go tool's regexp.MustCompile
  const re: GoRegexp | undefined = ignoreImages !== '' ? compileGoRegexp(ignoreImages, '-vulncheck-ignore-images') : undefined;
  return {
    maxCvss,
    ignoreCves: new Set(ignoreCveList.map((s) => s.trim()).filter((s) => s !== '')),
    ignoreImages: re,
  };
}

/** Same id twice (one CVE in several packages): keep the highest score, first position. */
export function dedupeVulnerabilities(vulns: readonly Vulnerability[]): Vulnerability[] {
  const byId = new Map<string, Vulnerability>();
  for (const v of vulns) {
    const prev = byId.get(v.id);
    if (!prev) byId.set(v.id, { ...v });
    else if (v.score > prev.score) byId.set(v.id, { ...prev, score: v.score, description: v.description ?? prev.description });
  }
  return [...byId.values()];
}

/** The Go tool's ImageCheckError text: `image X has N CVEs with score > M: A(9.80),B(7.50)` (entries sort.Strings-ed). */
export function formatImageCheckError(image: string, maxCvss: number, bad: readonly Vulnerability[]): string {
  // sort.Strings compares bytes; the entries are ASCII so code-unit order is the same.
  const entries = bad.map((v) => formatBadEntry(v.id, v.score)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `image ${image} has ${bad.length} CVEs with score > ${goFormatFloat32(maxCvss, 2)}: ${entries.join(',')}`;
}

/**
 * VulnChecker.Check after the getter returned, in the Go tool's semantics:
 * - max CVSS 0: nothing is recorded (the Go tool does not even scan; callers skip earlier);
 * - score > max and on the ignore list → `ignored` ("%s:%f");
 * - score > max otherwise → `bad` (the image fails with the ImageCheckError text);
 * - score <= max → `found` ("%s:%f"), whether or not it is on the ignore list.
 * Scores compare as float32 like Go's, so a Grafeas 7.8f equals a max of 7.8.
 * Unlike Go, duplicates (one CVE in several packages) are merged, keeping the highest score,
 * so found/ignored hold each CVE once; Go repeated them in found and kept the last in the error.
 * `image` is the digest reference named in the failure (Go: dig.Name()).
 */
export function applyPolicy(image: string, vulns: readonly Vulnerability[], policy: VulnPolicy): VulnCheckResult {
  const all = dedupeVulnerabilities(vulns);
  const result: VulnCheckResult = { found: [], ignored: [], bad: [], failure: undefined, all, skipped: false };
  if (policy.maxCvss === 0) return { ...result, skipped: true, skipReason: 'max CVSS is 0' };
  const max = Math.fround(policy.maxCvss);
  for (const v of all) {
    if (Math.fround(v.score) > max) {
      if (policy.ignoreCves.has(v.id)) result.ignored.push(formatCveEntry(v.id, v.score));
      else result.bad.push(v);
    } else {
      result.found.push(formatCveEntry(v.id, v.score));
    }
  }
  if (result.bad.length > 0) result.failure = formatImageCheckError(image, policy.maxCvss, result.bad);
  return result;
}

/** Highest score seen, 0 when none. */
export function worstScore(vulns: readonly Vulnerability[]): number {
  return vulns.reduce((m, v) => Math.max(m, v.score), 0);
}

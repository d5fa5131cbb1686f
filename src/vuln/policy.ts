import { compareGoStrings } from '../gocompat/fmt';
import { compileGoRegexp } from '../gocompat/regexp';
import { UsageError } from '../util/errors';
import { formatBadEntry, goFormatFloat32 } from './format';
import { isIgnored, parseIgnoreSpec } from './ignore';
import { mergeDuplicates } from './reports';
import type { VulnCheckResult, VulnPolicy, Vulnerability } from './types';

export interface PolicySettings {
  vulncheckMaxCvss: number;
  vulncheckMaxRisk: number;
  vulncheckIgnoreCveList: readonly string[];
  vulncheckIgnoreImages: string;
}

/** Builds a policy from the flag values; bad numbers or regexps are UsageErrors naming the flag. */
export function buildPolicy(s: PolicySettings): VulnPolicy {
  if (!Number.isFinite(s.vulncheckMaxCvss) || s.vulncheckMaxCvss < 0) throw new UsageError(`-vulncheck-max-cvss must be a number >= 0, got ${s.vulncheckMaxCvss}`);
  if (!Number.isFinite(s.vulncheckMaxRisk) || s.vulncheckMaxRisk < 0) throw new UsageError(`-vulncheck-max-risk must be a number >= 0, got ${s.vulncheckMaxRisk}`);
  let ignoreImages: VulnPolicy['ignoreImages'];
  if (s.vulncheckIgnoreImages !== '') {
    const re = compileGoRegexp(s.vulncheckIgnoreImages, '-vulncheck-ignore-images');
    ignoreImages = (image) => re.test(image);
  }
  return { maxCvss: s.vulncheckMaxCvss, maxRisk: s.vulncheckMaxRisk, ignore: parseIgnoreSpec(s.vulncheckIgnoreCveList), ignoreImages };
}

/** Both limits 0: upstream skips checking altogether (the seed: max CVSS 0). */
export function policyDisabled(p: Pick<VulnPolicy, 'maxCvss' | 'maxRisk'>): boolean {
  return p.maxCvss === 0 && p.maxRisk === 0;
}

/** Same id twice (one CVE in several packages, or a Grafeas note per package): upstream's merge. */
export const dedupeVulnerabilities = mergeDuplicates;

/** Upstream's test, in float32 as Go compares: `(maxCVSS != 0 && score > maxCVSS) || (maxRisk > 0 && risk > maxRisk)`. */
export function overLimit(v: Vulnerability, p: Pick<VulnPolicy, 'maxCvss' | 'maxRisk'>): boolean {
  const maxCvss = Math.fround(p.maxCvss);
  const maxRisk = Math.fround(p.maxRisk);
  return (maxCvss !== 0 && Math.fround(v.score) > maxCvss) || (maxRisk > 0 && Math.fround(v.risk) > maxRisk);
}


/**
 * The failure text. With only a max CVSS it is the seed's ImageCheckError, byte for byte:
 * `image X has N CVEs with score > M: A(9.80),B(7.50)` (entries sort.Strings-ed). With a max risk
 * the limits and each entry also show the risk.
 */
export function formatImageCheckError(image: string, policy: Pick<VulnPolicy, 'maxCvss' | 'maxRisk'>, bad: readonly Vulnerability[]): string {
  if (policy.maxRisk <= 0) {
    const entries = bad.map((v) => formatBadEntry(v.id, v.score)).sort(compareGoStrings);
    return `image ${image} has ${bad.length} CVEs with score > ${goFormatFloat32(policy.maxCvss, 2)}: ${entries.join(',')}`;
  }
  const limits = [...(policy.maxCvss !== 0 ? [`score > ${goFormatFloat32(policy.maxCvss, 2)}`] : []), `risk > ${goFormatFloat32(policy.maxRisk, 2)}`];
  const entries = bad.map((v) => `${v.id}(score ${goFormatFloat32(v.score, 2)}, risk ${goFormatFloat32(v.risk, 2)})`).sort(compareGoStrings);
  return `image ${image} has ${bad.length} CVEs with ${limits.join(' or ')}: ${entries.join(',')}`;
}

/**
 * VulnChecker.Check after the getter returned, in upstream's semantics: over a limit and ignored for this
 * image → ignored; over a limit otherwise → rejected (the image fails); else accepted.
 * `image` is the registry/repository@digest form, matched by the ignore regexps and named in the failure.
 */
export function applyPolicy(image: string, vulns: readonly Vulnerability[], policy: VulnPolicy): VulnCheckResult {
  const all = mergeDuplicates(vulns);
  const result: VulnCheckResult = { accepted: [], ignored: [], rejected: [], failure: undefined, all, skipped: false };
  if (policyDisabled(policy)) return { ...result, skipped: true, skipReason: 'max CVSS and max risk are 0' };
  for (const v of all) {
    if (!overLimit(v, policy)) result.accepted.push(v);
    else if (isIgnored(policy.ignore, image, v.id)) result.ignored.push(v);
    else result.rejected.push(v);
  }
  if (result.rejected.length > 0) result.failure = formatImageCheckError(image, policy, result.rejected);
  return result;
}

/** Highest score seen, 0 when none. */
export function worstScore(vulns: readonly Vulnerability[]): number {
  return vulns.reduce((m, v) => Math.max(m, v.score), 0);
}

import { availableParallelism } from 'node:os';
import type { Reference } from '../reference/types';
import { settleLimit } from '../util/concurrency';
import { describeError } from '../util/errors';
import type { Logger } from '../util/log';
import { setLongTimeout } from '../util/timer';
import { digestName } from './digest';
import { ExecVulnGetter } from './exec';
// grafeas.ts has only type imports of google-gax/grafeas; the modules load on first use.
import { GrafeasVulnGetter } from './grafeas';
import { allIgnoredCves, parseIgnoreSpec } from './ignore';
import { applyPolicy, buildPolicy, policyDisabled } from './policy';
import { resolveScanner } from './scanner';
import { REJECT_REASON, VulnTimeoutError, type ScanOutcome, type VulnCheckResult, type VulnGetter, type VulnPolicy, type VulnSettings, type Vulnerability } from './types';

export type { ScanOutcome, VulnCheckResult, VulnGetter, VulnPolicy, VulnSettings, Vulnerability } from './types';
export { REJECT_REASON, VulnTimeoutError } from './types';
export { formatBadEntry, goFormatFloat32 } from './format';
export { applyPolicy, buildPolicy, dedupeVulnerabilities, formatImageCheckError, overLimit, policyDisabled, worstScore } from './policy';
export { ExecVulnGetter, MAX_SCANNER_OUTPUT, quoteArgv, runScanner } from './exec';
export { NO_CVSS_SCORE, VULN_FORMATS, parseScannerReport } from './reports';
export type { VulnFormat } from './reports';
export { DEFAULT_TRIVY_COMMAND, DEFAULT_VULNCHECK_COMMAND, resolveScanner } from './scanner';
export { allIgnoredCves, isIgnored, parseIgnoreSpec } from './ignore';
export { GrafeasVulnGetter, createGrafeasClient } from './grafeas';
export type { GrafeasGetterOptions, OccurrenceLister } from './grafeas';
export { digestName } from './digest';
export { renderHtml, renderMarkdown, renderReport, reportRowStatus, writeReport } from './report';
export { rejections } from './template-report';
export type { ReportMeta, ReportRow, ReportStatus } from './report';

/** The settings checkImages reads, plus test and benchmark hooks. */
export type VulnCheckOptions = VulnSettings & {
  /** Use this backend instead of building one from the method (tests, benchmarks); not closed here */
  getter?: VulnGetter;
  /** First wait between Grafeas discovery polls; default 500 ms as the Go tool */
  grafeasBaseDelayMs?: number;
  /** Cap on scanner stdout (tests); default MAX_SCANNER_OUTPUT */
  maxScannerOutput?: number;
};

/** -vulncheck-workers; 0 means one per CPU, as upstream's runtime.GOMAXPROCS(0). */
export function workerCount(workers: number): number {
  return Number.isSafeInteger(workers) && workers >= 1 ? workers : Math.max(1, availableParallelism());
}

/**
 * Checks each distinct digest-form image against the CVE policy, at most -vulncheck-workers at a
 * time, each bounded by -vulncheck-timeout. Keyed by `image.name`.
 *
 * Never rejects for a single image: a policy failure sets `failure`, a scanner/Grafeas problem
 * (including malformed output) sets `error`; either must fail the run.
 * Rejects (UsageError) only for configuration problems: bad regexp, method, empty command, no parent.
 */
export async function checkImages(images: ReadonlyArray<Reference>, opts: VulnCheckOptions, log: Logger): Promise<Map<string, VulnCheckResult>> {
  const results = new Map<string, VulnCheckResult>();
  const policy = buildPolicy(opts);
  if (policyDisabled(policy)) {
    if (images.length > 0) log.info('skipping vulnerability checks (max CVSS and risk are set to 0)');
    for (const img of images) results.set(img.name, skippedResult('max CVSS and max risk are 0'));
    return results;
  }

  const toCheck: Reference[] = [];
  for (const img of images) {
    if (!img.digest) results.set(img.name, errorResult(`image ${img.name} is not in digest form; cannot check vulnerabilities`));
    else if (policy.ignoreImages?.(digestName(img))) {
      log.info('skipping vulnerability check (-vulncheck-ignore-images)', { img: img.name });
      results.set(img.name, skippedResult('matches -vulncheck-ignore-images'));
    } else toCheck.push(img);
  }
  if (toCheck.length === 0) return results;

  const getter = opts.getter ?? createGetter(opts, log);
  try {
    const workers = workerCount(opts.vulncheckWorkers);
    log.info('scanning images', { imageCount: toCheck.length, workers });
    const settled = await settleLimit(toCheck, workers, (img) => checkOne(img, getter, policy, opts.vulncheckTimeoutMs, log));
    settled.forEach((s, i) => {
      const img = toCheck[i] as Reference;
      if (s.ok) results.set(img.name, s.value);
      else {
        const msg = describeError(s.error);
        log.error('vulnerability check failed', { img: img.name, err: msg });
        results.set(img.name, errorResult(msg.includes(digestName(img)) ? msg : `vulnerability check of ${digestName(img)} failed: ${msg}`));
      }
    });
  } finally {
    if (!opts.getter) await getter.close?.().catch((e: unknown) => log.debug('closing the vulnerability backend failed', { err: describeError(e) }));
  }
  return results;
}

async function checkOne(img: Reference, getter: VulnGetter, policy: VulnPolicy, timeoutMs: number, log: Logger): Promise<VulnCheckResult> {
  const ac = new AbortController();
  const timer = timeoutMs > 0 ? setLongTimeout(() => ac.abort(new VulnTimeoutError(timeoutMs)), timeoutMs) : undefined;
  try {
    log.debug('start checks on', { img: img.name });
    const outcome: ScanOutcome = getter.check ? await getter.check(img, ac.signal) : { vulnerabilities: await getter.getVulnerabilities(img, ac.signal) };
    if (outcome.skipReason !== undefined) return { ...skippedResult(outcome.skipReason), all: outcome.vulnerabilities };
    const res = applyPolicy(digestName(img), outcome.vulnerabilities, policy);
    log.debug('vulnerability check done', { img: img.name, accepted: res.accepted.length, ignored: res.ignored.length, rejected: res.rejected.length });
    if (res.failure) log.error(res.failure);
    return res;
  } finally {
    timer?.clear();
  }
}

/** Builds the backend named by -vulncheck-method. */
export function createGetter(opts: VulnCheckOptions, log: Logger): VulnGetter {
  const choice = resolveScanner(opts);
  if (choice.method === 'exec') {
    return new ExecVulnGetter({ argv: choice.argv, format: choice.format, flag: choice.flag, log, ...(opts.maxScannerOutput ? { maxOutput: opts.maxScannerOutput } : {}) });
  }
  return new GrafeasVulnGetter({
    parent: opts.grafeasParent,
    endpoint: opts.grafeasEndpoint,
    maxRetries: opts.vulncheckMaxRetries,
    timeoutMs: opts.vulncheckTimeoutMs,
    log,
    ...(opts.grafeasBaseDelayMs !== undefined ? { baseDelayMs: opts.grafeasBaseDelayMs } : {}),
  });
}

/** The messages that must fail the run (policy failures and check errors), by image name. */
export function vulnProblems(results: ReadonlyMap<string, VulnCheckResult>): Array<{ image: string; message: string }> {
  const out: Array<{ image: string; message: string }> = [];
  for (const [image, r] of results) {
    if (r.error) out.push({ image, message: r.error });
    else if (r.failure) out.push({ image, message: r.failure });
  }
  return out;
}

/** Ignore-list CVEs that ignored nothing in any image (upstream's findUnusedIgnores), sorted. */
export function unusedIgnores(ignoreCveList: readonly string[], results: Iterable<VulnCheckResult>): string[] {
  const used = new Set<string>();
  for (const r of results) for (const v of r.ignored) used.add(v.id);
  return allIgnoredCves(parseIgnoreSpec(ignoreCveList)).filter((id) => !used.has(id));
}

/** The mappings record of one result (upstream's VulnCheckResult; the seed format keeps ignored and accepted). */
export function toVulncheckRecord(r: VulnCheckResult): { ignored: Vulnerability[]; accepted: Vulnerability[]; rejected: Array<Vulnerability & { reason: string }> } {
  return { ignored: r.ignored, accepted: r.accepted, rejected: r.rejected.map((v) => ({ ...v, reason: REJECT_REASON })) };
}

function skippedResult(reason: string): VulnCheckResult {
  return { accepted: [], ignored: [], rejected: [], failure: undefined, all: [], skipped: true, skipReason: reason };
}

function errorResult(message: string): VulnCheckResult {
  return { accepted: [], ignored: [], rejected: [], failure: undefined, all: [], skipped: false, error: message };
}

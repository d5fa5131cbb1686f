import { splitShellWords } from '../gocompat/shellwords';
import type { Reference } from '../reference/types';
import { settleLimit } from '../util/concurrency';
import { UsageError, describeError } from '../util/errors';
import type { Logger } from '../util/log';
import { digestName } from './digest';
// grafeas.ts has only type imports of google-gax/grafeas; the modules load on first use.
import { GrafeasVulnGetter } from './grafeas';
import { applyPolicy, buildPolicy } from './policy';
import { TrivyVulnGetter } from './trivy';
import { VulnTimeoutError, type ScanOutcome, type VulnCheckResult, type VulnGetter, type VulnPolicy, type VulnSettings } from './types';

export type { ScanOutcome, VulnCheckResult, VulnGetter, VulnPolicy, Vulnerability } from './types';
export { VulnTimeoutError } from './types';
export { formatBadEntry, formatCveEntry, goFormatFloat32, parseCveEntry } from './format';
export { applyPolicy, buildPolicy, dedupeVulnerabilities, formatImageCheckError, worstScore } from './policy';
export { TrivyVulnGetter, parseTrivyReport, trivyScore } from './trivy';
export { GrafeasVulnGetter, createGrafeasClient } from './grafeas';
export type { GrafeasGetterOptions, OccurrenceLister } from './grafeas';
export { digestName } from './digest';
export { renderHtml, renderMarkdown, reportRowStatus, writeReport } from './report';
export type { ReportMeta, ReportRow, ReportStatus } from './report';

export type { VulnSettings } from './types';
/** The settings checkImages reads, plus test and benchmark hooks. */
export type VulnCheckOptions = VulnSettings & {
  /** -trivy-command already split; when absent, trivyCommand is split like the Go tool (shellwords) */
  argv?: string[];
  /** Use this backend instead of building one from the method (tests, benchmarks); not closed here */
  getter?: VulnGetter;
  /** First wait between Grafeas discovery polls; default 500 ms as the Go tool */
  grafeasBaseDelayMs?: number;
};

/**
 * Checks each distinct digest-form image against the CVE policy, at most `concurrency` at a
 * time, each bounded by -vulncheck-timeout. Keyed by `image.name`.
 *
 * Never rejects for a single image: a policy failure sets `failure` (the Go tool's
 * ImageCheckError text), a scanner/Grafeas problem sets `error`; either must fail the run.
 * Rejects (UsageError) only for configuration problems: bad regexp, method, empty command, no parent.
 */
export async function checkImages(images: ReadonlyArray<Reference>, opts: VulnCheckOptions, log: Logger): Promise<Map<string, VulnCheckResult>> {
  const results = new Map<string, VulnCheckResult>();
  const policy = buildPolicy(opts.vulncheckMaxCvss, opts.vulncheckIgnoreCveList, opts.vulncheckIgnoreImages);
  if (policy.maxCvss === 0) {
    if (images.length > 0) log.info('skipping vulnerability checks (max CVSS is set to 0)');
    for (const img of images) results.set(img.name, skippedResult('max CVSS is 0'));
    return results;
  }

  const toCheck: Reference[] = [];
  for (const img of images) {
    if (!img.digest) results.set(img.name, errorResult(`image ${img.name} is not in digest form; cannot check vulnerabilities`));
    else if (policy.ignoreImages?.test(digestName(img))) {
      log.info('skipping vulnerability check (-vulncheck-ignore-images)', { img: img.name });
      results.set(img.name, skippedResult('matches -vulncheck-ignore-images'));
    } else toCheck.push(img);
  }
  if (toCheck.length === 0) return results;

  const getter = opts.getter ?? createGetter(opts, log);
  try {
    const limit = Number.isFinite(opts.concurrency) && opts.concurrency >= 1 ? Math.floor(opts.concurrency) : 1;
    const settled = await settleLimit(toCheck, limit, (img) => checkOne(img, getter, policy, opts.vulncheckTimeoutMs, log));
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
  const timer = timeoutMs > 0 ? setTimeout(() => ac.abort(new VulnTimeoutError(timeoutMs)), timeoutMs) : undefined;
  try {
    log.debug('start checks on', { img: img.name });
    const outcome: ScanOutcome = getter.check
      ? await getter.check(img, ac.signal)
      : { vulnerabilities: await getter.getVulnerabilities(img, ac.signal) };
    if (outcome.skipReason !== undefined) return { ...skippedResult(outcome.skipReason), all: outcome.vulnerabilities };
    const res = applyPolicy(digestName(img), outcome.vulnerabilities, policy);
    log.debug('vulnerability check done', { img: img.name, found: res.found.length, ignored: res.ignored.length, bad: res.bad.length });
    if (res.failure) log.error(res.failure);
    return res;
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the backend named by -vulncheck-method. */
export function createGetter(opts: VulnCheckOptions, log: Logger): VulnGetter {
  switch (opts.vulncheckMethod) {
    case 'trivy': {
      let argv = opts.argv;
      if (!argv) {
        try {
          argv = splitShellWords(opts.trivyCommand);
        } catch (e) {
          throw new UsageError(`-trivy-command ${JSON.stringify(opts.trivyCommand)}: ${(e as Error).message}`);
        }
      }
      if (argv.length === 0 || argv[0] === '') throw new UsageError('-trivy-command is empty');
      return new TrivyVulnGetter(argv, log);
    }
    case 'grafeas':
      if (!opts.grafeasParent) throw new UsageError('-vulncheck-method=grafeas needs -grafeas-parent (e.g. projects/my-project)');
      return new GrafeasVulnGetter({
        parent: opts.grafeasParent,
        endpoint: opts.grafeasEndpoint,
        maxRetries: opts.vulncheckMaxRetries,
        timeoutMs: opts.vulncheckTimeoutMs,
        log,
        ...(opts.grafeasBaseDelayMs !== undefined ? { baseDelayMs: opts.grafeasBaseDelayMs } : {}),
      });
    default:
      throw new UsageError(`unknown scanning method ${JSON.stringify(opts.vulncheckMethod as string)}, should be grafeas or trivy`);
  }
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

function skippedResult(reason: string): VulnCheckResult {
  return { found: [], ignored: [], bad: [], failure: undefined, all: [], skipped: true, skipReason: reason };
}

function errorResult(message: string): VulnCheckResult {
  return { found: [], ignored: [], bad: [], failure: undefined, all: [], skipped: false, error: message };
}

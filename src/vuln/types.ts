import { formatGoDuration } from '../gocompat/duration';
import type { Reference } from '../reference/types';
import { ReimageError } from '../util/errors';
import type { IgnoreSpec } from './ignore';

/** The flags the vulnerability stage reads (the CLI's Options extend this); the comment names the flag. */
export interface VulnSettings {
  /** -vulncheck-method: exec (default), trivy (the seed's name for exec) or grafeas */
  vulncheckMethod: string;
  /** -vulncheck-max-cvss; 0 means no score limit (both limits 0: no checks) */
  vulncheckMaxCvss: number;
  /** -vulncheck-max-risk; 0 means no risk limit */
  vulncheckMaxRisk: number;
  /** -vulncheck-ignore-cve-list: one item per occurrence, `CVE,…` or `REGEXP=CVE,…` (see ignore.ts) */
  vulncheckIgnoreCveList: string[];
  /** -vulncheck-ignore-images: regexp */
  vulncheckIgnoreImages: string;
  /** -vulncheck-timeout in milliseconds (Go duration syntax on the flag); default 10m */
  vulncheckTimeoutMs: number;
  /** -vulncheck-max-retries; default 20 */
  vulncheckMaxRetries: number;
  /** -vulncheck-workers: concurrent scans; 0 means one per CPU */
  vulncheckWorkers: number;
  /** -vulncheck-report: .md or .html file, '' for none */
  vulncheckReport: string;
  /** -vulncheck-report-template: a Go text/template file (with sprig), '' for none */
  vulncheckReportTemplate: string;
  /** -vulncheck-report-output: where the template's output goes */
  vulncheckReportOutput: string;
  /** -vulncheck-command; '' means "grype --by-cve -o json" (scanner.ts resolves the scanner flags) */
  vulncheckCommand: string;
  /** -vulncheck-format trivy-json|grype-json; '' for the default */
  vulncheckFormat: '' | 'trivy-json' | 'grype-json';
  /** -trivy-command; '' means "trivy image -f json" */
  trivyCommand: string;
  /** -grafeas-parent */
  grafeasParent: string;
  /** -grafeas-endpoint HOST:PORT */
  grafeasEndpoint: string;
  /** -concurrency */
  concurrency: number;
}

/** One CVE as upstream's `CVE{ID, CVSS, Risk, Desc}`. */
export interface Vulnerability {
  /** e.g. "CVE-2023-4911" */
  id: string;
  /** CVSS score (float32); 5.0 when the scanner gave no CVSS data */
  score: number;
  /** grype's risk score; 0 from trivy and Grafeas */
  risk: number;
  /** grype's description; "" from trivy */
  description: string;
}

/** A scanner backend: an exec'd command (trivy or grype JSON) or Grafeas. */
export interface VulnGetter {
  /** `image` is in digest form (registry/repository@sha256:...). Rejects with a ReimageError on failure. */
  getVulnerabilities(image: Reference, signal: AbortSignal): Promise<Vulnerability[]>;
  /** Richer form of getVulnerabilities; checkImages prefers it when present. */
  check?(image: Reference, signal: AbortSignal): Promise<ScanOutcome>;
  /** Releases clients/channels; called once after all images are checked. */
  close?(): Promise<void>;
}

export interface VulnPolicy {
  /** -vulncheck-max-cvss; 0 means the score alone rejects nothing */
  maxCvss: number;
  /** -vulncheck-max-risk; 0 means the risk rejects nothing */
  maxRisk: number;
  /** -vulncheck-ignore-cve-list */
  ignore: IgnoreSpec;
  /** -vulncheck-ignore-images: images (registry/repository@digest) matching it are not checked */
  ignoreImages: ((image: string) => boolean) | undefined;
}

/** Outcome for one distinct image, as upstream's VulnCheckResult plus the port's error/skip states. */
export interface VulnCheckResult {
  /** Within the limits (upstream's Accepted; the seed's foundCVEs) */
  accepted: Vulnerability[];
  /** Over a limit but on the ignore list (upstream's Ignored; the seed's ignoredCVEs) */
  ignored: Vulnerability[];
  /** Over a limit and not ignored; non-empty means the image fails (upstream's Rejected) */
  rejected: Vulnerability[];
  /** The failure text when rejected is non-empty (the seed's ImageCheckError), else undefined */
  failure: string | undefined;
  /** Every vulnerability seen (deduplicated by id), for the report */
  all: Vulnerability[];
  /** True when the image was not checked (limits 0, ignore-images, unsupported scan) */
  skipped: boolean;
  /** Why it was skipped, for logs and the report */
  skipReason?: string;
  /** The scanner or Grafeas gave no usable answer (exit code, timeout, malformed output); the image must not pass */
  error?: string;
}

/** Upstream's reason on every rejected CVE. */
export const REJECT_REASON = 'CVE risk/score is above request thresholds';

/**
 * The abort reason checkImages uses when an image's -vulncheck-timeout expires.
 * Getters read `timeoutMs` to word their own give-up message.
 */
export class VulnTimeoutError extends ReimageError {
  override name = 'VulnTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatGoDuration(timeoutMs)}`);
  }
}

/** What a getter's optional `check` reports: the vulnerabilities, or why none could be checked. */
export interface ScanOutcome {
  vulnerabilities: Vulnerability[];
  /** Set when the backend says the image cannot be scanned (Grafeas FINISHED_UNSUPPORTED); the image passes */
  skipReason?: string;
}

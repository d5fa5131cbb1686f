import type { GoRegexp } from '../gocompat/regexp';
import { formatGoDuration } from '../gocompat/duration';
import type { Reference } from '../reference/types';
import { ReimageError } from '../util/errors';

/** The flags the vulnerability stage reads (the CLI's Options extend this); the comment names the flag. */
export interface VulnSettings {
  /** -vulncheck-method */
  vulncheckMethod: string;
  /** -vulncheck-max-cvss; 0 disables */
  vulncheckMaxCvss: number;
  /** -vulncheck-ignore-cve-list, split on commas and trimmed */
  vulncheckIgnoreCveList: string[];
  /** -vulncheck-ignore-images: regexp */
  vulncheckIgnoreImages: string;
  /** -vulncheck-timeout in milliseconds (Go duration syntax on the flag); default 10m */
  vulncheckTimeoutMs: number;
  /** -vulncheck-max-retries; default 20 */
  vulncheckMaxRetries: number;
  /** -vulncheck-report: .md or .html file */
  vulncheckReport: string;
  /** -trivy-command; default "trivy image -f json" */
  trivyCommand: string;
  /** -grafeas-parent */
  grafeasParent: string;
  /** -grafeas-endpoint HOST:PORT */
  grafeasEndpoint: string;
  /** -concurrency */
  concurrency: number;
}

export interface Vulnerability {
  /** e.g. "CVE-2023-4911" */
  id: string;
  /** Highest CVSS over its sources (V3 when non-zero, else V2); 0 when none */
  score: number;
  description?: string;
}

/** A scanner backend: trivy-compatible command or Grafeas. */
export interface VulnGetter {
  /** `image` is in digest form (registry/repository@sha256:...). Rejects with a ReimageError on failure. */
  getVulnerabilities(image: Reference, signal: AbortSignal): Promise<Vulnerability[]>;
  /** Richer form of getVulnerabilities; checkImages prefers it when present. */
  check?(image: Reference, signal: AbortSignal): Promise<ScanOutcome>;
  /** Releases clients/channels; called once after all images are checked. */
  close?(): Promise<void>;
}

export interface VulnPolicy {
  /** 0 disables checking */
  maxCvss: number;
  ignoreCves: ReadonlySet<string>;
  /** Images (the final reference string) matching this are not checked */
  ignoreImages: GoRegexp | undefined;
}

/** Outcome for one distinct image, in the Go tool's recorded formats. */
export interface VulnCheckResult {
  /** "CVE:score" entries at or under the max, as the Go tool records them (`%s:%f`) */
  found: string[];
  /** "CVE:score" entries over the max that were on the ignore list */
  ignored: string[];
  /** CVEs over the max and not ignored; non-empty means the image fails */
  bad: Vulnerability[];
  /** The Go tool's failure text when bad is non-empty, else undefined */
  failure: string | undefined;
  /** Every vulnerability seen (deduplicated by id), for the report */
  all: Vulnerability[];
  /** True when the image was not checked (max CVSS 0, ignore-images, unsupported scan) */
  skipped: boolean;
  /** Why it was skipped, for logs and the report */
  skipReason?: string;
  /** The scanner or Grafeas could not give an answer (exit code, timeout, RPC error); the image must not pass */
  error?: string;
}

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

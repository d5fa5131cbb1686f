import type { Reference } from '../reference/types';

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
}

export interface VulnPolicy {
  /** 0 disables checking */
  maxCvss: number;
  ignoreCves: ReadonlySet<string>;
  /** Images (the final reference string) matching this are not checked */
  ignoreImages: RegExp | undefined;
}

/** Outcome for one distinct image, in the Go tool's recorded formats. */
export interface VulnCheckResult {
  /** "CVE:score" entries at or under the max, as the Go tool records them (`%s:%f`) */
  found: string[];
  /** "CVE:score" entries that were on the ignore list */
  ignored: string[];
  /** CVEs over the max and not ignored; non-empty means the image fails */
  bad: Vulnerability[];
  /** The Go tool's failure text when bad is non-empty, else undefined */
  failure: string | undefined;
  /** Every vulnerability seen, for the report */
  all: Vulnerability[];
  /** True when the image was skipped (ignore-images or unsupported scan) */
  skipped: boolean;
}

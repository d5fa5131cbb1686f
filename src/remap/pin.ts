import type { Reference } from '../reference/types';

export interface PinSettings {
  /** -rename-force-digest (also implied by -keep-tag and -platform) */
  forceDigest: boolean;
  /** -keep-tag: keep the name and tag as written next to the digest */
  keepTag: boolean;
}

/** Drops an "@digest" suffix, keeping the name and tag exactly as written. */
const withoutDigest = (written: string): string => {
  const at = written.indexOf('@');
  return at < 0 ? written : written.slice(0, at);
};

/**
 * The string written in place of an image: the target as written; with a forced digest `context@digest`
 * (ggcr's normalised name, as the Go tool); with -keep-tag the target as written, tag kept, plus `@digest`,
 * so "nginx:1.27" becomes "nginx:1.27@sha256:…".
 */
export function pinnedForm(target: Reference, digest: string, s: PinSettings): string {
  if (s.keepTag) return `${withoutDigest(target.original)}@${digest}`;
  if (s.forceDigest) return `${target.context}@${digest}`;
  return target.original;
}

import type { Reference } from '../reference/types';

/** What happened to one distinct digest. */
export interface AttestOutcome {
  /** registry/repository@sha256:... */
  image: Reference;
  status: 'created' | 'existing' | 'dry-run';
  /** Grafeas occurrence name when created */
  occurrence?: string;
}

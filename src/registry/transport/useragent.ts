import { packageVersion } from '../../util/version';
import type { Doer } from './types';
import { withHeaders } from './types';

export function defaultUserAgent(): string {
  return `reimage/${packageVersion()}`;
}

export function withUserAgent(inner: Doer, userAgent: string): Doer {
  return (req) => inner(withHeaders(req, { 'user-agent': userAgent }));
}

import { Semaphore } from '../../util/concurrency';
import type { Logger } from '../../util/log';
import type { Keychain } from '../auth/authenticator';
import { withAuth } from './auth';
import { withCleartextGuard } from './cleartext';
import { fetchDoer } from './fetch';
import { withLimit } from './limit';
import { withRateLimitLog } from './ratelimit';
import { Pinger, withScheme } from './ping';
import { withRedirects } from './redirect';
import type { RetryPolicy } from './retry';
import { DEFAULT_RETRY, withRetry } from './retry';
import type { Doer } from './types';
import { defaultUserAgent, withUserAgent } from './useragent';

export interface TransportOptions {
  keychain: Keychain;
  log?: Logger;
  insecureRegistries?: readonly string[];
  semaphore?: Semaphore;
  retry?: RetryPolicy;
  timeoutMs?: number;
  userAgent?: string;
  fetchImpl?: typeof fetch;
}

export interface Transport {
  /** scheme (no https → http) → auth → redirects → retry → run-wide limit → cleartext guard → user agent → fetch */
  doer: Doer;
  pinger: Pinger;
}

export function createTransport(opts: TransportOptions): Transport {
  const insecure = new Set(opts.insecureRegistries ?? []);
  const isInsecure = (host: string): boolean => insecure.has(host);
  const base = withUserAgent(fetchDoer({ ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}) }), opts.userAgent ?? defaultUserAgent());
  const limited = withLimit(withCleartextGuard(withRateLimitLog(base, opts.log), isInsecure), opts.semaphore ?? new Semaphore(8));
  const retried = withRetry(limited, opts.retry ?? DEFAULT_RETRY, opts.log);
  const plain = withRedirects(retried, { isInsecure });
  const pinger = new Pinger({ doer: plain, probe: limited, ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}), ...(opts.log ? { log: opts.log } : {}) });
  const authed = withAuth(plain, { pinger, keychain: opts.keychain, tokenDoer: plain, ...(opts.log ? { log: opts.log } : {}) });
  return { doer: withScheme(authed, pinger), pinger };
}

export type { Doer, RegistryRequest, RequestBody } from './types';
export type { RetryPolicy } from './retry';
export { DEFAULT_RETRY } from './retry';

import { Semaphore } from '../../util/concurrency';
import type { Logger } from '../../util/log';
import type { Keychain } from '../auth/authenticator';
import { withAuth } from './auth';
import { withCleartextGuard } from './cleartext';
import { DEFAULT_TIMEOUT_MS, httpDoer } from './http';
import type { RegistryRequest } from './types';
import { withLimit } from './limit';
import { withRateLimitLog } from './ratelimit';
import { Pinger, withScheme } from './ping';
import { withRedirects } from './redirect';
import { speaksTls } from './sniff';
import type { RetryPolicy } from './retry';
import { DEFAULT_RETRY, withRetry } from './retry';
import type { Doer } from './types';
import { defaultUserAgent } from './useragent';

export interface TransportOptions {
  keychain: Keychain;
  log?: Logger;
  insecureRegistries?: readonly string[];
  semaphore?: Semaphore;
  retry?: RetryPolicy;
  timeoutMs?: number;
  userAgent?: string;
  /** Sockets per registry origin; default twice the request limit plus two (no upload waits for its own source). */
  maxSockets?: number;
  /** For tests: sees every request as it goes on the wire. */
  tap?: (req: RegistryRequest) => void;
}

export interface Transport {
  /** scheme (no https → http) → auth → redirects → retry → run-wide limit → cleartext guard → HTTP/1.1 (h1.ts, with the user agent) */
  doer: Doer;
  pinger: Pinger;
}

export function createTransport(opts: TransportOptions): Transport {
  const insecure = new Set(opts.insecureRegistries ?? []);
  const isInsecure = (host: string): boolean => insecure.has(host);
  const semaphore = opts.semaphore ?? new Semaphore(8);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const wire = httpDoer({
    maxSockets: opts.maxSockets ?? 2 * semaphore.size + 2,
    timeoutMs,
    ...(opts.tap ? { tap: opts.tap } : {}),
    userAgent: opts.userAgent ?? defaultUserAgent(),
  });
  const limited = withLimit(withCleartextGuard(withRateLimitLog(wire, opts.log), isInsecure), semaphore);
  const retried = withRetry(limited, opts.retry ?? DEFAULT_RETRY, opts.log);
  const plain = withRedirects(retried, { isInsecure });
  const pinger = new Pinger({ doer: plain, sniff: (host, port) => speaksTls(host, port, timeoutMs), ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}), ...(opts.log ? { log: opts.log } : {}) });
  const authed = withAuth(plain, { pinger, keychain: opts.keychain, tokenDoer: plain, ...(opts.log ? { log: opts.log } : {}) });
  return { doer: withScheme(authed, pinger), pinger };
}

export type { Doer, RegistryRequest, RegistryResponse, RequestBody } from './types';
export type { RetryPolicy } from './retry';
export { DEFAULT_RETRY } from './retry';

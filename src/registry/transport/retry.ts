import type { Logger } from '../../util/log';
import { isRegistryError, parseRetryAfter, safeUrl } from '../errors';
import { isTemporaryNetworkError } from './neterror';
import type { Doer, RegistryResponse } from './types';
import { discard, isReplayable } from './types';

export interface RetryPolicy {
  /** Total tries, including the first; default 5. */
  attempts: number;
  /** First backoff; doubles each time, with jitter; default 250 ms. */
  baseDelayMs: number;
  /** Cap for any single wait, Retry-After included; default 15 s. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 15_000 };

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

export function isTemporary(e: unknown): boolean {
  if (isRegistryError(e)) return e.temporary;
  return isTemporaryNetworkError(e);
}

export { parseRetryAfter };

/** Exponential backoff with "equal jitter", or the server's Retry-After, capped either way. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return exp / 2 + Math.random() * (exp / 2);
}

/** Retry-After longer than the cap: retrying early would only be refused again (and count against a quota). */
const beyondCap = (retryAfterMs: number | undefined, policy: RetryPolicy): boolean => retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a whole operation again on temporary failures (network errors, 5xx, digest mismatches from truncation).
 * Its requests must carry `once` (remote/context's `operation` does that), so the transport does not retry
 * them too: one budget per operation, at most `policy.attempts` tries and attempts × timeout plus backoffs.
 */
export async function retrying<T>(what: string, policy: RetryPolicy, log: Logger | undefined, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const retryAfter = isRegistryError(e) ? e.retryAfterMs : undefined;
      if (attempt + 1 >= policy.attempts || !isTemporary(e) || beyondCap(retryAfter, policy)) throw e;
      const wait = backoffMs(attempt, policy, retryAfter);
      log?.debug('retrying', { what, attempt: attempt + 1, waitMs: Math.round(wait), error: e instanceof Error ? e.message : String(e) });
      await sleep(wait);
    }
  }
}

/**
 * Retries one HTTP exchange on temporary statuses and network errors, if its body can be sent again and
 * no enclosing operation owns the budget (`once`).
 */
export function withRetry(inner: Doer, policy: RetryPolicy, log?: Logger): Doer {
  return async (req) => {
    if (!isReplayable(req) || req.once) return inner(req);
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= policy.attempts;
      let res: RegistryResponse;
      try {
        res = await inner(req);
      } catch (e) {
        if (last || !isTemporary(e)) throw e;
        const wait = backoffMs(attempt, policy);
        log?.debug('retrying request', { method: req.method, url: safeUrl(req.url), waitMs: Math.round(wait), error: e instanceof Error ? e.message : String(e) });
        await sleep(wait);
        continue;
      }
      if (last || !isRetryableStatus(res.status)) return res;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      // Asked to wait longer than we ever would (a rate limit that resets in hours): fail now, the error says so.
      if (beyondCap(retryAfter, policy)) return res;
      const wait = backoffMs(attempt, policy, retryAfter);
      log?.debug('retrying request', { method: req.method, url: safeUrl(req.url), status: res.status, waitMs: Math.round(wait) });
      await discard(res);
      await sleep(wait);
    }
  };
}

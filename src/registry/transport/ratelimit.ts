/**
 * Docker Hub style rate-limit headers (RateLimit-Limit: 100;w=21600, RateLimit-Remaining: 7;w=21600): a warning
 * once per registry when fewer than 10% of the pulls are left, and again when none are. Only manifest GETs count
 * on Docker Hub, which is why resolution stays HEAD-only.
 */
import type { Logger } from '../../util/log';
import type { Doer, ResponseHeaders } from './types';

const leadingInt = (v: string | null): number | undefined => {
  const m = v === null ? null : /^\s*(\d+)/.exec(v);
  return m ? Number(m[1]) : undefined;
};

/** {limit, remaining} from a response, when both headers are there. */
export function rateLimitOf(headers: ResponseHeaders): { limit: number; remaining: number } | undefined {
  const limit = leadingInt(headers.get('ratelimit-limit'));
  const remaining = leadingInt(headers.get('ratelimit-remaining'));
  return limit !== undefined && remaining !== undefined && limit > 0 ? { limit, remaining } : undefined;
}

export function withRateLimitLog(inner: Doer, log: Logger | undefined): Doer {
  if (!log) return inner;
  const warned = new Map<string, number>();
  return async (req) => {
    const res = await inner(req);
    const rl = rateLimitOf(res.headers);
    if (rl && rl.remaining * 10 < rl.limit) {
      let registry = req.registry;
      if (!registry) {
        try {
          registry = new URL(req.url).host;
        } catch {
          registry = '?';
        }
      }
      const last = warned.get(registry);
      if (last === undefined || (rl.remaining === 0 && last > 0)) {
        warned.set(registry, rl.remaining);
        log.warn('registry rate limit nearly used up', { registry, remaining: rl.remaining, limit: rl.limit, header: res.headers.get('ratelimit-remaining') });
      }
    }
    return res;
  };
}

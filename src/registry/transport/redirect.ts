import { RegistryError, safeUrl } from '../errors';
import type { Doer, RegistryRequest } from './types';
import { discard, isReplayable, withHeaders } from './types';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Follows redirects by hand (fetch's own following would keep Authorization): blob GETs commonly
 * redirect to object storage, which must never see the registry's credentials.
 */
export function withRedirects(inner: Doer, maxHops = 10): Doer {
  return async (first) => {
    let req: RegistryRequest = first;
    for (let hop = 0; ; hop++) {
      const res = await inner(req);
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location) return res;
      await discard(res);
      if (hop >= maxHops) throw new RegistryError(`${first.method} ${safeUrl(first.url)}: too many redirects`, { method: first.method, url: first.url });
      const next = new URL(location, req.url);
      const prev = new URL(req.url);
      let nextReq: RegistryRequest = { ...req, url: next.toString() };
      if (next.origin !== prev.origin) nextReq = withHeaders({ ...nextReq, registry: undefined }, { authorization: undefined });
      const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
      if (toGet) {
        nextReq = withHeaders({ ...nextReq, method: req.method === 'HEAD' ? 'HEAD' : 'GET', body: undefined }, { 'content-type': undefined, 'content-length': undefined });
      } else if (!isReplayable(req)) {
        throw new RegistryError(`${req.method} ${safeUrl(req.url)}: redirected a streamed upload`, { method: req.method, url: req.url, status: res.status });
      }
      req = nextReq;
    }
  };
}

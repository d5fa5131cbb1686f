import { RegistryError, safeUrl } from '../errors';
import { downgradeError } from './cleartext';
import type { Doer, RegistryRequest } from './types';
import { discard, isReplayable, withHeaders } from './types';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface RedirectOptions {
  maxHops?: number;
  /** Hosts named in -insecure-registry: the only ones an https request may be redirected to over http. */
  isInsecure?: (host: string) => boolean;
}

/**
 * Follows redirects by hand (fetch's own following would keep Authorization): blob GETs commonly
 * redirect to object storage, which must never see the registry's credentials. Crossing to another
 * origin drops Authorization and the registry binding; a body carrying a credential is never replayed
 * there; and no hop goes from https to http.
 */
export function withRedirects(inner: Doer, opts: RedirectOptions = {}): Doer {
  const maxHops = opts.maxHops ?? 10;
  return async (first) => {
    let req: RegistryRequest = first;
    for (let hop = 0; ; hop++) {
      const res = await inner(req);
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location) return res;
      await discard(res);
      if (hop >= maxHops) throw new RegistryError(`${first.method} ${safeUrl(first.url)}: too many redirects`, { method: first.method, url: first.url });
      const prev = new URL(req.url);
      let next: URL;
      try {
        next = new URL(location, req.url);
      } catch {
        throw new RegistryError(`${req.method} ${safeUrl(req.url)}: redirected to an invalid Location`, { method: req.method, url: req.url, status: res.status });
      }
      if (prev.protocol === 'https:' && next.protocol === 'http:' && !opts.isInsecure?.(next.host)) throw downgradeError(req.method, next.toString(), prev.origin);
      const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
      const crossOrigin = next.origin !== prev.origin;
      if (crossOrigin && req.secret && !toGet) {
        throw new RegistryError(
          `${req.method} ${safeUrl(req.url)}: redirected (${res.status}) to another origin ${next.origin}; a request carrying credentials is not replayed there`,
          { method: req.method, url: req.url, status: res.status, temporary: false },
        );
      }
      let nextReq: RegistryRequest = { ...req, url: next.toString() };
      if (crossOrigin) nextReq = withHeaders({ ...nextReq, registry: undefined }, { authorization: undefined });
      if (toGet) {
        nextReq = withHeaders({ ...nextReq, method: req.method === 'HEAD' ? 'HEAD' : 'GET', body: undefined, secret: false }, { 'content-type': undefined, 'content-length': undefined });
      } else if (!isReplayable(req)) {
        throw new RegistryError(`${req.method} ${safeUrl(req.url)}: redirected a streamed upload`, { method: req.method, url: req.url, status: res.status });
      }
      req = nextReq;
    }
  };
}

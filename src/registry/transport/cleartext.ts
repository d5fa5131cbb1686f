import { isLoopbackHost } from '../../util/net';
import { RegistryError, safeUrl } from '../errors';
import type { Doer } from './types';

/** The one message for every https → http step (upload Locations and redirects). */
export function downgradeError(method: string, url: string, from: string): RegistryError {
  const host = new URL(url).host;
  return new RegistryError(
    `${method} ${safeUrl(url)}: refusing to downgrade ${from} to plain HTTP; name ${host} in -insecure-registry if it really speaks only HTTP`,
    { method, url, temporary: false },
  );
}

/**
 * The last check before the wire: a credential (Authorization, or a body marked secret) goes over plain
 * HTTP only to a loopback host or one named in -insecure-registry, whatever the layers above decided.
 */
export function withCleartextGuard(inner: Doer, isInsecure: (host: string) => boolean): Doer {
  return (req) => {
    if ((req.headers?.authorization === undefined && !req.secret) || !/^http:/i.test(req.url)) return inner(req);
    const u = new URL(req.url);
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname) && !isInsecure(u.host)) {
      return Promise.reject(new RegistryError(
        `${req.method} ${safeUrl(req.url)}: refusing to send credentials over plain HTTP; name ${u.host} in -insecure-registry to allow it`,
        { method: req.method, url: req.url, temporary: false },
      ));
    }
    return inner(req);
  };
}

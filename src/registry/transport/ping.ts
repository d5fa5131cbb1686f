import type { Logger } from '../../util/log';
import { errorFromResponse, RegistryError } from '../errors';
import { downgradeError } from './cleartext';
import type { Challenge } from './challenge';
import { describeNetworkError, isTemporaryNetworkError } from './neterror';
import { parseChallenge } from './challenge';
import type { Doer, RegistryRequest, RegistryResponse } from './types';
import { discard } from './types';
import { isLoopbackHost } from '../../util/net';

export interface PingResult {
  scheme: 'http' | 'https';
  challenge: Challenge;
}

export interface PingerOptions {
  /** Retrying stack without auth. */
  doer: Doer;
  /** Whether a loopback host:port speaks TLS (sniff.ts; without loading node:tls). */
  sniff: (host: string, port: number) => Promise<boolean>;
  insecureRegistries?: readonly string[];
  log?: Logger;
}

export function isLoopback(registry: string): boolean {
  return isLoopbackHost(hostOf(registry));
}

function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const i = registry.lastIndexOf(':');
  return i >= 0 && registry.indexOf(':') === i ? registry.slice(0, i) : registry;
}

/** The port an https:// URL for `registry` would use. */
function httpsPort(registry: string): number {
  const m = /:(\d+)$/.exec(registry.startsWith('[') ? registry.slice(registry.indexOf(']')) : registry);
  return m ? Number(m[1]) : 443;
}

/**
 * Learns, once per registry and run, which scheme reaches it and which auth it wants (GET /v2/).
 * A loopback registry may speak either (tests run TLS on 127.0.0.1): HTTPS when its port answers a TLS hello as a
 * TLS server does, else plain HTTP. A port that speaks both (a TLS-terminating front) thus gets HTTPS.
 */
export class Pinger {
  private readonly cache = new Map<string, Promise<PingResult>>();
  /** Answers in so far: each request after the first reads them without waiting a turn of the event loop. */
  private readonly known = new Map<string, PingResult>();
  private readonly insecure: Set<string>;
  constructor(private readonly opts: PingerOptions) {
    this.insecure = new Set(opts.insecureRegistries ?? []);
  }

  /** Named in -insecure-registry. */
  isInsecure(host: string): boolean {
    return this.insecure.has(host);
  }

  /**
   * `fn` with the registry's answer: at once when it is in already (no turn of the event loop per request), else
   * after the ping. A synchronous throw in `fn` rejects the promise, as it would in an async function.
   */
  withAnswer<T>(registry: string, once: boolean, fn: (r: PingResult) => Promise<T>): Promise<T> {
    const known = this.known.get(registry);
    if (!known) return this.ping(registry, once).then(fn);
    try {
      return fn(known);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `once`: the caller's operation owns the retry budget, so a first ping is tried once. */
  ping(registry: string, once = false): Promise<PingResult> {
    let p = this.cache.get(registry);
    if (!p) {
      p = this.discover(registry, once);
      this.cache.set(registry, p);
      p.then((r) => this.known.set(registry, r), () => undefined);
      // A failed ping may be transient; let a later request try again.
      p.catch(() => this.cache.delete(registry));
    }
    return p;
  }

  private async discover(registry: string, once: boolean): Promise<PingResult> {
    if (this.insecure.has(registry)) return this.pingWith(this.opts.doer, 'http', registry, once);
    if (!isLoopback(registry)) return this.pingWith(this.opts.doer, 'https', registry, once);
    let tls: boolean;
    try {
      tls = await this.opts.sniff(hostOf(registry), httpsPort(registry));
    } catch (e) {
      // As the HTTPS ping it replaces would have failed: naming the URL, retried when the fault is temporary.
      const url = `https://${registry}/v2/`;
      throw new RegistryError(`GET ${url}: ${describeNetworkError(e)}`, { method: 'GET', url, temporary: isTemporaryNetworkError(e), cause: e });
    }
    if (tls) return this.pingWith(this.opts.doer, 'https', registry, once);
    this.opts.log?.debug('registry does not speak TLS, using plain HTTP', { registry });
    return this.pingWith(this.opts.doer, 'http', registry, once);
  }

  private async pingWith(doer: Doer, scheme: 'http' | 'https', registry: string, once: boolean): Promise<PingResult> {
    const url = `${scheme}://${registry}/v2/`;
    const res = await doer({ method: 'GET', url, once });
    if (res.status === 200) {
      await discard(res);
      return { scheme, challenge: { scheme: 'none' } };
    }
    if (res.status === 401) {
      await discard(res);
      return { scheme, challenge: parseChallenge(res.headers.get('www-authenticate')) };
    }
    throw await errorFromResponse('GET', url, res, `pinging ${registry}`);
  }
}

/**
 * Completes "/v2/..." paths with the scheme the ping found, and refuses absolute URLs (upload Locations)
 * that would take an HTTPS registry's traffic to plain HTTP: a TLS-terminating proxy that writes
 * `http://` Locations would otherwise get the credentials and the bytes in clear text.
 */
export function withScheme(inner: Doer, pinger: Pinger): Doer {
  const step = (req: RegistryRequest, scheme: 'http' | 'https'): Promise<RegistryResponse> => {
    if (req.url.startsWith('/')) return inner({ ...req, url: `${scheme}://${req.registry}${req.url}` });
    const target = new URL(req.url);
    if (scheme === 'https' && target.protocol === 'http:' && !pinger.isInsecure(target.host)) {
      return Promise.reject(downgradeError(req.method, req.url, `https://${req.registry}`));
    }
    return inner(req);
  };
  return (req) => (req.registry ? pinger.withAnswer(req.registry, req.once ?? false, ({ scheme }) => step(req, scheme)) : inner(req));
}

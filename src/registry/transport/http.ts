import type { Readable } from 'node:stream';
import { RegistryError, safeUrl } from '../errors';
import { WirePool, type WireResponse } from './h1';
import { describeNetworkError, isTemporaryNetworkError } from './neterror';
import type { ProxyConfig, ProxyRoute } from './proxy';
import { proxyFromEnv } from './proxy';
import type { Doer, RegistryRequest, RegistryResponse, ResponseHeaders } from './types';

/** Socket idle timeout when none is given. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface HttpOptions {
  /** Budget for the response headers, and for each gap in the body either way (socket idle); default 60s. */
  timeoutMs?: number;
  /** Sockets per origin; requests beyond wait for one. Default 32. */
  maxSockets?: number;
  /** For tests: sees every request as it goes on the wire. */
  tap?: (req: RegistryRequest) => void;
  /** Sent on every request (it replaces any the caller set). */
  userAgent?: string;
  /** Proxies; default HTTPS_PROXY / HTTP_PROXY / NO_PROXY of this process (proxy.ts). */
  proxies?: ProxyConfig;
}

const SMALL_BODY_LIMIT = 16 << 20;

class Headers implements ResponseHeaders {
  constructor(private readonly raw: Map<string, string>) {}
  get(name: string): string | null {
    return this.raw.get(name.toLowerCase()) ?? null;
  }
}

class WireRegistryResponse implements RegistryResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  readonly empty: boolean;
  constructor(private readonly res: WireResponse) {
    this.status = res.status;
    this.statusText = res.statusText;
    this.headers = new Headers(res.headers);
    this.empty = res.empty;
  }
  get body(): Readable {
    return this.res.body;
  }
  /** The whole body, for small ones (tokens, errors): past `limit` the stream is dropped and this throws. */
  async bytes(limit = SMALL_BODY_LIMIT): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of this.body) {
      n += (chunk as Buffer).length;
      if (n > limit) {
        this.body.destroy();
        throw new Error(`response body over ${limit} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }
  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
}

/**
 * The innermost layer: the lean HTTP/1.1 client in h1.ts (keep-alive connections, bounded per origin), no
 * redirects, no content decoding, and an idle timeout covering the wait for headers and every stall of
 * either body. A streamed request body goes straight onto the socket, in batches.
 */
export function httpDoer(opts: HttpOptions = {}): Doer {
  const pool = new WirePool({ timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxSockets: opts.maxSockets ?? 32 });
  const origins = new Map<string, Target>();
  const proxies = opts.proxies ?? proxyFromEnv();
  return async (req) => {
    const headers: Record<string, string> = opts.userAgent ? { 'accept-encoding': 'identity', ...req.headers, 'user-agent': opts.userAgent } : { 'accept-encoding': 'identity', ...req.headers };
    opts.tap?.({ ...req, headers });
    const at = split(req.url);
    let target = at ? origins.get(at.origin) : undefined;
    if (target === undefined) {
      target = targetOf(req.method, req.url, proxies);
      if (at && origins.size < 64) origins.set(at.origin, target);
    }
    let path = at?.rest;
    if (path === undefined) {
      const u = new URL(req.url);
      path = `${u.pathname}${u.search}`;
    }
    try {
      const res = await pool.request({
        secure: target.secure,
        host: target.host,
        port: target.port,
        authority: target.authority,
        ...(target.proxy ? { proxy: target.proxy } : {}),
        method: req.method,
        path,
        headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.lendBody === true ? { lendBody: true } : {}),
      });
      return new WireRegistryResponse(res);
    } catch (e) {
      throw new RegistryError(`${req.method} ${safeUrl(req.url)}: ${describeNetworkError(e)}`, {
        method: req.method, url: req.url, temporary: isTemporaryNetworkError(e), cause: e,
      });
    }
  };
}

interface Target {
  secure: boolean;
  host: string;
  port: number;
  authority: string;
  proxy: ProxyRoute | undefined;
}

function targetOf(method: string, url: string, proxies: ProxyConfig): Target {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  if (!secure && u.protocol !== 'http:') throw new RegistryError(`${method} ${safeUrl(url)}: unsupported protocol ${u.protocol}`, { method, url, temporary: false });
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : secure ? 443 : 80;
  let proxy: ProxyRoute | undefined;
  try {
    proxy = proxies.route(secure ? 'https' : 'http', host, port);
  } catch (e) {
    throw new RegistryError(`${method} ${safeUrl(url)}: ${(e as Error).message}`, { method, url, temporary: false });
  }
  return { secure, host, port, authority: u.host, proxy };
}

// An origin without userinfo, then a path and query that the URL parser would leave exactly as they are: nothing
// it percent-encodes (space, quote, <, >, backtick, braces; a quote in the query), no backslash, no dot segment,
// no fragment. Anything else takes `new URL` (the requests a copy makes all match: one parse per origin, not per request).
const FAST_URL = /^(https?:\/\/[A-Za-z0-9.\-[\]:]+)(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?)$/;
const DOT_SEGMENT = /\/\.{1,2}(?:[/?]|$)|%2e/i;

function split(url: string): { origin: string; rest: string } | undefined {
  const m = FAST_URL.exec(url);
  if (!m || DOT_SEGMENT.test(m[2] as string)) return undefined;
  return { origin: m[1] as string, rest: m[2] as string };
}

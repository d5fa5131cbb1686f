import type { Logger } from '../../util/log';
import { RegistryError, safeUrl } from '../errors';
import type { RetryPolicy } from '../transport/retry';
import { retrying } from '../transport/retry';
import type { Doer, RegistryResponse } from '../transport/types';

/** What every verb needs: the composed HTTP stack and the policy for retrying whole operations. */
export interface RemoteContext {
  doer: Doer;
  retry: RetryPolicy;
  log?: Logger;
  /** Parallel children/blobs within one copy; the run-wide request limit still applies. */
  concurrency: number;
  /** Blob bodies streaming at once across the run (each holds a source socket); default 8. */
  streams?: number;
  /** Set inside `operation`: requests go out with `once`, the operation's retries being the only ones. */
  once?: boolean;
}

/**
 * Runs `fn` as one operation with one retry budget: it is tried up to `ctx.retry.attempts` times on temporary
 * failures, and every request it makes (pings and tokens included) is tried once per attempt. Nested
 * operations share the outer budget.
 */
export function operation<T>(ctx: RemoteContext, what: string, fn: (ctx: RemoteContext, attempt: number) => Promise<T>): Promise<T> {
  if (ctx.once) return fn(ctx, 0);
  const doer = ctx.doer;
  const inner: RemoteContext = { ...ctx, once: true, doer: (req) => doer({ ...req, once: true }) };
  return retrying(what, ctx.retry, ctx.log, (attempt) => fn(inner, attempt));
}

/** A repository on a registry, e.g. {registry: "127.0.0.1:5000", repository: "library/nginx"}. */
export interface Repo {
  registry: string;
  repository: string;
}

export const pullScope = (r: Repo): string[] => [`repository:${r.repository}:pull`];
export const pushScope = (r: Repo): string[] => [`repository:${r.repository}:pull,push`];

/** Reads a whole body, at most `maxBytes` of it (default SMALL_BODY_MAX); a connection cut mid-body becomes a temporary RegistryError worth retrying. */
/** Default cap for bodies read whole (manifests, indexes, JSON): distribution's own manifest limit. */
export const SMALL_BODY_MAX = 4 << 20;

export async function readBody(res: RegistryResponse, method: string, url: string, maxBytes = SMALL_BODY_MAX): Promise<Buffer> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    res.body.destroy();
    throw new RegistryError(`${method} ${safeUrl(url)}: response of ${declared} bytes is over the ${maxBytes}-byte limit`, { method, url, temporary: false });
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      length += chunk.byteLength;
      // Checked as it streams: a body without Content-Length cannot grow memory past the limit either.
      if (length > maxBytes) {
        res.body.destroy();
        throw new RegistryError(`${method} ${safeUrl(url)}: response is over the ${maxBytes}-byte limit`, { method, url, temporary: false });
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw new RegistryError(`${method} ${safeUrl(url)}: reading response body: ${e instanceof Error ? e.message : String(e)}`, {
      method, url, temporary: true, cause: e,
    });
  }
  const bytes = Buffer.concat(chunks, length);
  if (declared !== null && Number(declared) !== bytes.length) {
    throw new RegistryError(`${method} ${safeUrl(url)}: truncated body (${bytes.length} of ${declared} bytes)`, { method, url, temporary: true });
  }
  return bytes;
}

/** Adds a query parameter to an upload Location, which may be relative and may already carry state. */
export function addQuery(location: string, key: string, value: string): string {
  // The common shape (an opaque session path and query, no fragment, the key not there yet): append it.
  if (!location.includes('#') && !location.includes(`${key}=`) && /^[\x21-\x7e]+$/.test(location)) {
    return `${location}${location.includes('?') ? '&' : '?'}${key}=${encodeURIComponent(value)}`;
  }
  const absolute = /^https?:\/\//i.test(location);
  const u = new URL(location, 'http://relative.invalid');
  u.searchParams.set(key, value);
  return absolute ? u.toString() : `${u.pathname}${u.search}`;
}

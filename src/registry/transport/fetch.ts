import { RegistryError, safeUrl } from '../errors';
import { describeNetworkError, isTemporaryNetworkError } from './neterror';
import type { Doer } from './types';
import { isStreamBody } from './types';

export interface FetchOptions {
  /** Budget for the response headers, and for each gap between body chunks; default 60s. */
  timeoutMs?: number;
  /** For tests; defaults to the global fetch (undici). */
  fetchImpl?: typeof fetch;
}

class TimeoutError extends Error {
  code = 'REIMAGE_TIMEOUT';
}

/**
 * The innermost layer: global fetch with manual redirects, no content decoding (digests are over the
 * stored bytes) and an idle timeout that also covers a stalled body.
 */
export function fetchDoer(opts: FetchOptions = {}): Doer {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const doFetch = opts.fetchImpl ?? fetch;
  return async (req) => {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (phase: string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => ac.abort(new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${phase}`)), timeoutMs);
    };
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers: { 'accept-encoding': 'identity', ...req.headers },
      redirect: 'manual',
      signal: ac.signal,
    };
    if (req.body !== undefined) init.body = req.body;
    if (isStreamBody(req.body)) init.duplex = 'half';
    arm('response headers');
    let res: Response;
    try {
      res = await doFetch(req.url, init);
    } catch (e) {
      clearTimeout(timer);
      const cause = ac.signal.aborted ? ac.signal.reason : e;
      throw new RegistryError(`${req.method} ${safeUrl(req.url)}: ${describeNetworkError(cause)}`, {
        method: req.method, url: req.url, temporary: isTemporaryNetworkError(cause), cause,
      });
    }
    if (!res.body) {
      clearTimeout(timer);
      return res;
    }
    // Re-arm the timer on every chunk, so only a stalled body times out, not a long one.
    arm('response body');
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            clearTimeout(timer);
            controller.close();
          } else {
            arm('response body');
            controller.enqueue(value);
          }
        } catch (e) {
          clearTimeout(timer);
          controller.error(ac.signal.aborted ? ac.signal.reason : e);
        }
      },
      async cancel(reason) {
        clearTimeout(timer);
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** Request bodies: bytes and strings can be replayed by retries; a stream cannot. */
export type RequestBody = Uint8Array | string | ReadableStream<Uint8Array>;

export interface RegistryRequest {
  method: string;
  /** Absolute URL, or a path ("/v2/...") that the scheme layer completes for `registry`. */
  url: string;
  /** Lower-case header names. */
  headers?: Record<string, string>;
  body?: RequestBody;
  /** host[:port] of the registry this request is for; credentials go only to this host. */
  registry?: string;
  /** Bearer scopes the request needs, e.g. "repository:library/nginx:pull". */
  scopes?: string[];
  /** The body carries a credential (the OAuth2 token POST): it is never replayed to another origin. */
  secret?: boolean;
}

/** One layer of the HTTP stack: same shape as the layer it wraps (like an http.RoundTripper). */
export type Doer = (req: RegistryRequest) => Promise<Response>;

/** Duck-typed: streams may come from another realm (undici's, under jest). */
export function isStreamBody(body: RequestBody | undefined): body is ReadableStream<Uint8Array> {
  return typeof body === 'object' && body !== null && typeof (body as { getReader?: unknown }).getReader === 'function';
}

export function isReplayable(req: RegistryRequest): boolean {
  return !isStreamBody(req.body);
}

export function withHeaders(req: RegistryRequest, headers: Record<string, string | undefined>): RegistryRequest {
  const merged: Record<string, string> = { ...req.headers };
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return { ...req, headers: merged };
}

/** Releases a response we will not read, so keep-alive sockets are reused. */
export async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to release.
  }
}

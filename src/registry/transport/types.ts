import type { Readable } from 'node:stream';

/** Request bodies: bytes and strings can be replayed by retries; a stream cannot. */
export type RequestBody = Uint8Array | string | Readable;

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
  /**
   * A streamed body whose chunks nobody else keeps once sent (a blob GET piped into its PUT): the wire layer may
   * reuse the memory of the chunks it read itself.
   */
  lendBody?: boolean;
  /** Part of an operation that owns the retry budget: no layer retries it on its own (nor its ping or token). */
  once?: boolean;
}

/** Response headers, read the way fetch's Headers are. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/**
 * What every layer answers: the status, headers and a Node stream of the body (never decoded: digests are
 * over the stored bytes). `text`, `json` and `bytes` read the body whole; use them for small bodies only.
 */
export interface RegistryResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  readonly body: Readable;
  /** Known to have no body at all (HEAD, 204, Content-Length: 0): nothing to drain or release. */
  readonly empty?: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  bytes(): Promise<Buffer>;
}

/** One layer of the HTTP stack: same shape as the layer it wraps (like an http.RoundTripper). */
export type Doer = (req: RegistryRequest) => Promise<RegistryResponse>;

/** Duck-typed: a Node Readable (pipe + on) rather than bytes. */
export function isStreamBody(body: RequestBody | undefined): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

export function isReplayable(req: RegistryRequest): boolean {
  return !isStreamBody(req.body);
}

export function withHeaders(req: RegistryRequest, headers: Record<string, string | undefined>): RegistryRequest {
  const merged: Record<string, string> = { ...req.headers };
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return { ...req, headers: merged };
}

/** Bodies up to this size are read to the end on discard, so the keep-alive socket is reused. */
const DRAIN_LIMIT = 64 * 1024;

/** Releases a response we will not read: drains a small body (socket reused), drops a large one. */
export async function discard(res: RegistryResponse): Promise<void> {
  if (res.empty === true) return;
  const body = res.body;
  if (body.readableEnded || body.destroyed) return;
  const length = Number(res.headers.get('content-length') ?? NaN);
  // `complete`: the whole message is in (always so for HEAD, whose Content-Length describes no body).
  const complete = (body as { complete?: boolean }).complete === true;
  if (!complete && !(length <= DRAIN_LIMIT)) {
    body.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    body.once('end', resolve);
    body.once('error', () => resolve());
    body.once('close', resolve);
    body.resume();
  });
}

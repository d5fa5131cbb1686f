import { ReimageError } from '../util/errors';

/** One entry of the registry's `{"errors":[...]}` body (distribution spec). */
export interface RegistryDiagnostic {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface RegistryErrorInit {
  method?: string;
  url?: string;
  status?: number;
  diagnostics?: RegistryDiagnostic[];
  temporary?: boolean;
  /** The server's Retry-After, in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN']);
const TEMPORARY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** A registry request failed. Carries method and a credential-free URL, never headers. */
export class RegistryError extends ReimageError {
  override name = 'RegistryError';
  readonly status: number | undefined;
  readonly diagnostics: RegistryDiagnostic[];
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly temporary: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: RegistryErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.diagnostics = init.diagnostics ?? [];
    this.method = init.method;
    this.url = init.url === undefined ? undefined : safeUrl(init.url);
    this.temporary = init.temporary ?? (init.status !== undefined && TEMPORARY_STATUS.has(init.status));
    this.retryAfterMs = init.retryAfterMs;
  }

  get codes(): string[] {
    return this.diagnostics.map((d) => d.code);
  }

  isNotFound(): boolean {
    return this.status === 404 || this.codes.some((c) => NOT_FOUND_CODES.has(c));
  }
}

/** The target tag holds other content and the caller asked not to overwrite it. */
export class ClobberError extends RegistryError {
  override name = 'ClobberError';
  constructor(readonly target: string, readonly current: string, readonly wanted: string) {
    super(`refusing to overwrite ${target} (currently ${current}) with ${wanted}; pass -clobber to allow`, { temporary: false });
  }
}

/** Content did not hash to the digest that named it (truncation, corruption or a lying registry). */
export class DigestMismatchError extends RegistryError {
  override name = 'DigestMismatchError';
  constructor(what: string, readonly expected: string, readonly actual: string, init: RegistryErrorInit = {}) {
    // Temporary: a truncated or corrupted transfer is worth another attempt.
    super(`${what}: digest mismatch, expected ${expected}, got ${actual}`, { temporary: true, ...init });
  }
}

export function isRegistryError(e: unknown): e is RegistryError {
  return e instanceof RegistryError || (e instanceof Error && (e.name === 'RegistryError' || e.name === 'ClobberError' || e.name === 'DigestMismatchError'));
}

export function isNotFound(e: unknown): boolean {
  return isRegistryError(e) && e.isNotFound();
}

/** Drops userinfo and the query (upload state, signed storage URLs carry secrets there). */
export function safeUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return raw.replace(/\?.*$/, '');
  }
}

/** Retry-After as delta-seconds or an HTTP-date, in ms from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function parseDiagnostics(body: string): RegistryDiagnostic[] {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return [];
    const errors = (parsed as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [];
    return errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string')
      .map((e) => ({ code: String(e.code), ...(typeof e.message === 'string' ? { message: e.message } : {}), ...(e.detail !== undefined ? { detail: e.detail } : {}) }));
  } catch {
    return [];
  }
}

/** Builds a RegistryError from an unexpected response, reading (and so releasing) its body. */
/** The parts of a response an error is built from (a RegistryResponse, or a fetch Response). */
export interface ErrorResponse {
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export async function errorFromResponse(method: string, url: string, res: ErrorResponse, context?: string): Promise<RegistryError> {
  let body = '';
  try {
    // Read even for HEAD (empty): that releases the keep-alive socket.
    body = await res.text();
  } catch {
    // The body is diagnostic only.
  }
  const diagnostics = parseDiagnostics(body);
  const detail = diagnostics.length
    ? diagnostics.map((d) => (d.message ? `${d.code}: ${d.message}` : d.code)).join('; ')
    : `${res.status} ${res.statusText}`.trim();
  const prefix = context ? `${context}: ` : '';
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  const wait = res.status === 429 && retryAfterMs !== undefined ? ` (rate limited: the registry asks to retry after ${Math.ceil(retryAfterMs / 1000)}s)` : '';
  return new RegistryError(`${prefix}${method} ${safeUrl(url)}: ${detail}${wait}`, { method, url, status: res.status, diagnostics, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

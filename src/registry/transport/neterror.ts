/** Network-level failure classification: undici nests the real error in `cause` (and AggregateError for happy-eyeballs). */
const TEMPORARY_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'REIMAGE_TIMEOUT',
]);
const TEMPORARY_MESSAGES = [/socket hang up/i, /terminated/i, /other side closed/i, /premature close/i, /unexpected end/i];
const TLS_MISMATCH = [/wrong version number/i, /packet length too long/i, /ssl3_get_record/i, /unknown protocol/i, /EPROTO/];

function* chain(e: unknown, depth = 0): Generator<unknown> {
  if (depth > 6 || e === undefined || e === null) return;
  yield e;
  if (e instanceof AggregateError) for (const inner of e.errors) yield* chain(inner, depth + 1);
  if (e instanceof Error) yield* chain(e.cause, depth + 1);
}

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The most specific error code or message in the cause chain, for error messages. */
export function describeNetworkError(e: unknown): string {
  let best = '';
  for (const x of chain(e)) {
    const code = codeOf(x);
    const msg = x instanceof Error ? x.message : String(x);
    if (code) return msg.includes(code) ? msg : `${code}: ${msg}`;
    if (!best || msg !== 'fetch failed') best = msg;
  }
  return best;
}

export function isTemporaryNetworkError(e: unknown): boolean {
  for (const x of chain(e)) {
    const code = codeOf(x);
    if (code && TEMPORARY_CODES.has(code)) return true;
    if (x instanceof Error && TEMPORARY_MESSAGES.some((re) => re.test(x.message))) return true;
  }
  return false;
}

/** A TLS client hello answered by a plain-HTTP server (or reset): the signal to fall back to HTTP on loopback. */
export function isTlsMismatch(e: unknown): boolean {
  for (const x of chain(e)) {
    const code = codeOf(x);
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO' || code === 'ECONNRESET' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return true;
    if (x instanceof Error && TLS_MISMATCH.some((re) => re.test(x.message))) return true;
  }
  return false;
}

/** Network-level failure classification, over the error's cause chain (and AggregateError for happy-eyeballs). */
const TEMPORARY_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'REIMAGE_TIMEOUT',
]);
const TEMPORARY_MESSAGES = [/socket hang up/i, /terminated/i, /other side closed/i, /premature close/i, /unexpected end/i];

// Duck-typed, not instanceof: errors can come from another realm than jest's sandbox.
interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function* chain(e: unknown, depth = 0): Generator<ErrorLike> {
  if (depth > 6 || typeof e !== 'object' || e === null) return;
  const x = e as ErrorLike;
  yield x;
  if (Array.isArray(x.errors)) for (const inner of x.errors) yield* chain(inner, depth + 1);
  yield* chain(x.cause, depth + 1);
}

function messageOf(x: ErrorLike): string {
  return typeof x.message === 'string' ? x.message : '';
}

function codeOf(x: ErrorLike): string | undefined {
  return typeof x.code === 'string' ? x.code : undefined;
}

/** The most specific error code or message in the cause chain, for error messages. */
export function describeNetworkError(e: unknown): string {
  let best = '';
  for (const x of chain(e)) {
    const code = codeOf(x);
    const msg = messageOf(x);
    // A proxy's refusal (h1.ts) says all there is to say.
    if (code) return msg.includes(code) || code === 'REIMAGE_PROXY' ? msg : `${code}: ${msg}`;
    if (!best || (msg && msg !== 'fetch failed')) best = msg;
  }
  return best || String(e);
}

export function isTemporaryNetworkError(e: unknown): boolean {
  for (const x of chain(e)) {
    const code = codeOf(x);
    if (code && TEMPORARY_CODES.has(code)) return true;
    if (TEMPORARY_MESSAGES.some((re) => re.test(messageOf(x)))) return true;
  }
  return false;
}

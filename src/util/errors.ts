/** Base of every error reimage raises on purpose; anything else is a bug. */
export class ReimageError extends Error {
  override name = 'ReimageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The user's input or configuration is wrong: flags, FunctionConfig, YAML, mappings. */
export class UsageError extends ReimageError {
  override name = 'UsageError';
}

/**
 * One line describing any thrown value. Our own errors already carry their context; foreign ones get
 * their cause chain appended, first lines only (js-yaml and gRPC append multi-line snippets).
 */
export function describeError(e: unknown): string {
  const firstLine = (x: unknown): string => (x instanceof Error ? x.message : String(x)).split('\n')[0] ?? '';
  if (e instanceof ReimageError) return firstLine(e);
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const msg = firstLine(cur);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(': ');
}

/**
 * Logs go to stderr only: stdout carries the output stream and nothing else.
 * Every message and value is escaped (controls, separators, bidi) and URL credentials are redacted, so
 * a resource name or tag holding a newline or ESC cannot forge a log line or reach the terminal raw.
 */
import { escapeControls, hasControls, redactUserinfo } from './text';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Go's strconv.Quote in spirit: backslash and quote escaped, then every unsafe character made visible. */
function quote(s: string): string {
  return `"${escapeControls(s.replace(/["\\]/g, '\\$&'))}"`;
}

/** slog's TextHandler rule: quote when empty or holding space, quote, `=` or anything unprintable. */
function value(v: unknown): string {
  const s = redactUserinfo(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));
  return s === '' || /[\s"=\\]/.test(s) || hasControls(s) ? quote(s) : s;
}

function format(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += ` ${escapeControls(k)}=${value(v)}`;
  }
  return out;
}

/** slog-like text logger: `level=INFO msg="..." key=value`. */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(`level=${lvl.toUpperCase()} msg=${quote(redactUserinfo(msg))}${format(fields)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = createLogger('silent');

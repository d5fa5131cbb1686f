/**
 * Safe text for terminals and logs: user-controlled strings (resource names, tags, mapping keys, scanner
 * output) must not forge log lines or send escape sequences, and URLs must not carry credentials into messages.
 */

// C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), line/paragraph separators, bidi overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const SHORT: Readonly<Record<string, string>> = Object.freeze(Object.assign(Object.create(null) as Record<string, string>, { '\n': '\\n', '\r': '\\r', '\t': '\\t' }));

function escapeChar(c: string): string {
  const short = SHORT[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** True when `s` holds a character that escapeControls would rewrite. */
export function hasControls(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s);
}

/** Every control, separator and bidi character as a visible `\n`, `\x1b` or `\u202e` escape; other text as is. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

// scheme://userinfo@ ; the userinfo part is anything up to the first @ before a / ? or #.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi;

// user:secret@host/path with no scheme, as some write it into an image string; a digest (`app:1@sha256:…`) has no
// slash after its @, so it is left alone.
const BARE_USERINFO = /(^|[\s"'(=])[^\s/@:"'(=]+:[^\s/@"']*@(?=[^\s/@"']+\/)/g;

/** `https://user:secret@host/x` -> `https://***@host/x` (and `user:secret@host/x` -> `***@host/x`): for anything that may echo a URL or image back to the user. */
export function redactUserinfo(s: string): string {
  return s.replace(URL_USERINFO, '$1***@').replace(BARE_USERINFO, '$1***@');
}

/** True when `s` is, or contains, a URL with userinfo (`scheme://user[:pass]@host`). */
export function hasUserinfo(s: string): boolean {
  URL_USERINFO.lastIndex = 0;
  return URL_USERINFO.test(s);
}

/** One line for a terminal: credentials redacted, controls escaped. */
export function safeLine(s: string): string {
  return escapeControls(redactUserinfo(s));
}

/** Escaping and redaction for terminals and logs (issue 8 items 9 and 10), and the logger that uses them. */
import { escapeControls, hasUserinfo, redactUserinfo, safeLine } from '../src/util/text';
import { createLogger } from '../src/util/log';

test.each([
  ['a\nb', 'a\\nb'],
  ['\r\t', '\\r\\t'],
  ['\u001b[31mred', '\\x1b[31mred'],
  ['\u0000\u007f\u009b', '\\x00\\x7f\\x9b'],
  ['x\u2028y\u2029', 'x\\u2028y\\u2029'],
  ['\u202egnp.exe', '\\u202egnp.exe'],
  ['ümlaut, 日本, emoji 🚀', 'ümlaut, 日本, emoji 🚀'],
])('escapeControls case %#', (input, want) => {
  expect(escapeControls(input)).toBe(want);
});

test('userinfo is detected and redacted, hosts and paths kept', () => {
  expect(hasUserinfo('http://user:pass@host:1/x')).toBe(true);
  expect(hasUserinfo('https://token@host')).toBe(true);
  expect(hasUserinfo('https://host/x@y')).toBe(false);
  expect(hasUserinfo('nginx@sha256:abc')).toBe(false);
  expect(redactUserinfo('GET https://u:p@h.example/v2/ failed; retry http://a@b')).toBe('GET https://***@h.example/v2/ failed; retry http://***@b');
  expect(safeLine('x https://u:p@h\ny')).toBe('x https://***@h\\ny');
});

test('userinfo written into an image string without a scheme is redacted; tags and digests are not', () => {
  expect(redactUserinfo('image user:PASS@registry.example.com/app:v1: invalid reference')).toBe('image ***@registry.example.com/app:v1: invalid reference');
  expect(redactUserinfo('"tok:@r.example/a"')).toBe('"***@r.example/a"');
  for (const kept of ['nginx:1.27@sha256:abc', 'r.example:5000/app:1@sha256:abc', 'app@sha256:abc', 'a:b@c', 'see https://host/x@y']) {
    expect(redactUserinfo(kept)).toBe(kept);
  }
});

test('the logger keeps one line per call, quotes what needs it and redacts URLs', () => {
  const lines: string[] = [];
  const log = createLogger('debug', (l) => lines.push(l));
  log.info('copied\nlevel=ERROR msg=forged', { src: 'a\u001b[2J', dst: 'plain', n: 3, url: 'https://u:secret@r.example/v2/', empty: '' });
  expect(lines).toHaveLength(1);
  const line = lines[0] as string;
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toMatch(/[\n\u001b]/);
  expect(line).toBe('level=INFO msg="copied\\nlevel=ERROR msg=forged" src="a\\x1b[2J" dst=plain n=3 url=https://***@r.example/v2/ empty=""\n');
  expect(line).not.toContain('secret');
});

/**
 * Go (RE2) regexps: each row is what Go's regexp.MustCompile(re).MatchString(s) gives, and the error rows are
 * Go's regexp.Compile messages. The ReDoS case runs through the real CLI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileGoRegexp, parseGoRegexp } from '../src/gocompat/regexp';
import { runCli } from './support/cli';

const m = (re: string, s: string): boolean => parseGoRegexp(re).test(s);

describe('Go RE2 match results', () => {
  test.each<[string, string, boolean]>([
    ['', 'anything', true],
    ['^$', '', true],
    ['^$', 'x', false],
    ['nginx', 'docker.io/library/nginx:1', true], // unanchored, like MatchString
    ['^gcr\\.io/', 'gcr.io/x', true],
    ['^gcr\\.io/', 'gcrxio/x', false],
    ['^(?:gcr\\.io|quay\\.io)/', 'quay.io/prometheus/prometheus', true],
    ['^(?:gcr\\.io|quay\\.io)/', 'docker.io/library/nginx', false],
    ['^(gcr\\.io|quay\\.io)/', 'gcr.io/distroless/static', true],
    ['^(Service|Configuration)$', 'Configuration', true],
    ['^(Service|Configuration)$', 'ServiceAccount', false],
    ['^Prometheus$', 'Prometheus', true],
    ['^Prometheus$', 'PrometheusRule', false],
    ['(?i)^NGINX', 'nginx', true],
    ['(?i:NGINX)-exporter', 'nginx-exporter', true],
    ['(?i:NGINX)-EXPORTER', 'nginx-exporter', false], // the flag is scoped to the group
    ['(?U)^a+$', 'aaa', true],
    ['(?U)a+?b', 'aab', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['\\Q.*\\E', 'ab', false],
    ['[[:punct:]]', '`', true],
    ['[[:punct:]]', 'abc', false],
    ['^[[:^alpha:]]+$', '123-_', true],
    ['^[[:^alpha:]]+$', '12a', false],
    ['\\bnginx\\b', 'library/nginx:1', true],
    ['\\bnginx\\b', 'library/nginxx', false],
    ['\\Bginx', 'nginx', true],
    ['a.c', 'a\rc', true], // Go's . excludes only \n
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['(?s:a.)c', 'a\nc', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['b$', 'ab\n', false], // Go's $ is the end of text without (?m)
    ['\\Aab\\z', 'ab', true],
    ['\\Aab\\z', 'ab\n', false],
    ['(?P<name>x)y', 'xy', true],
    ['(?<name>x)y', 'xy', true],
    ['[[:alpha:]]+[[:digit:]]', 'ab1', true],
    ['\\pL\\p{Greek}', 'aβ', true],
    ['\\PL', 'a', false],
    ['\\p{^Greek}', 'β', false],
    ['\\x41\\x{42}\\101', 'ABA', true],
    ['a{2}', 'aa', true],
    ['a{,2}', 'a{,2}', true], // not a repeat in Go: literal
    ['x{', 'x{', true],
    ['[]a]', ']', true],
    ['[^]a]', 'b', true],
    ['\\s', '\u00a0', false], // Go's \s is ASCII only
    ['\\s', '\t', true],
    ['\\-\\#\\~', '-#~', true],
    ['a\\.b', 'a.b', true],
    ['a\\.b', 'axb', false],
    ['a\\$', 'a$', true],
    ['x/y', 'x/y', true],
    ['(a+)+$', `${'a'.repeat(33)}!`, false],
  ])('%j ~ %j = %s', (re, s, want) => {
    expect(m(re, s)).toBe(want);
  });

  test.each([
    ['(', 'error parsing regexp: missing closing ): `(`'],
    ['^(', 'error parsing regexp: missing closing ): `^(`'],
    ['a)', 'error parsing regexp: unexpected ): `a)`'],
    ['[a', 'error parsing regexp: missing closing ]: `[a`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ['*', 'error parsing regexp: missing argument to repetition operator: `*`'],
    ['\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['(?<!a)', 'error parsing regexp: invalid named capture: `(?<!a)`'],
    ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
    ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
  ])('error %j', (re, msg) => {
    expect(() => parseGoRegexp(re)).toThrow(msg);
  });

  // Literal patterns (what the built-in rules use) skip re2js; they must match exactly what re2js would.
  test.each([
    '^tekton\\.dev/(v1|v1beta1)$', '^(Service|Configuration)$', '^Prometheus$', '^(?:a|b)c', 'x(y|z)$', 'a\\.b', '', '^$',
    'a\\$', '^a\\(b|c\\)$', '(a|)', 'a|b', '^(a)|(b)$', '(ab)+', 'a\\\\', '^pre-(x|y)-post$',
  ])('literal fast path %j agrees with re2js', (re) => {
    const { RE2JS } = require('re2js') as typeof import('re2js');
    const engine = RE2JS.compile(re);
    for (const s of ['', 'a', 'b', 'ab', 'abab', 'ac', 'bc', 'a.b', 'axb', 'a$', 'a(b', 'c)', 'a\\', 'Service', 'ServiceX', 'Configuration',
      'Prometheus', 'tekton.dev/v1', 'tekton.dev/v1beta1', 'tektonxdev/v1', 'tekton.dev/v2', 'xy', 'xz', 'xyz', 'pre-x-post', 'pre-y-post', 'pre-z-post', 'a(b|c)']) {
      expect([re, s, parseGoRegexp(re).test(s)]).toEqual([re, s, engine.test(s)]);
    }
  });

  test('a setting name and the source in usage errors', () => {
    expect(() => compileGoRegexp('^(', '-ignore')).toThrow('invalid -ignore regexp "^(": error parsing regexp: missing closing ): `^(`');
  });
});

describe('ReDoS through the CLI', () => {
  test("-ignore '(a+)+$' against a 34-character image name returns promptly", async () => {
    const image = `${'a'.repeat(32)}:1`;
    expect(image).toHaveLength(34);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-redos-'));
    const mappings = path.join(dir, 'mappings.json');
    const digest = `sha256:${'1'.repeat(64)}`;
    fs.writeFileSync(mappings, JSON.stringify({ [image]: { tag: `registry.example.com/a@${digest}`, digest } }));
    const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
    const r = await runCli(['-ignore', '(a+)+$', '-static-json-mappings-file', mappings, '-verify-static-json-mappings=false', '-no-copy'], pod, { timeoutMs: 20_000 }); // killed (code null) if it backtracks: JS's engine takes minutes here
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: registry.example.com/a@${digest}`);
  });
});

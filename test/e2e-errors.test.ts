/**
 * Bad input corpus: every case exits non-zero, prints nothing on stdout, and explains itself in one
 * stderr line that names the document, flag, file, or resource and field.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from './support/cli';

const M = path.join(ROOT, 'examples', 'mappings.json');
const OFFLINE = ['-static-json-mappings-file', M, '-verify-static-json-mappings=false', '-no-copy'];
const pod = (image: string): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: ${image}\n`;
const list = (extra: string): string => `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${extra}`;
const FIELD = /v1\/Pod\/p spec\.containers\[0\]\.image: /;

let dir: string;
const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-errors-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Case = [name: string, args: () => string[], stdin: string, expected: RegExp[]];

const cases: Case[] = [
  ['broken flow sequence', () => [], 'a: [1, 2\nb: c\n', [/document 0 \(line 2, column 1\)/, /missed comma/]],
  ['tab indentation', () => [], 'a:\n\tb: c\n', [/document 0 \(line 2, column 1\)/, /tab/]],
  ['error in a later document', () => [], 'a: 1\n---\nb: [\n', [/document 1 \(line 4/]],
  ['duplicate key', () => [], 'a: 1\na: 2\n', [/document 0 \(line 2, column 1\): mapping key "a" already defined at line 1/]],
  ['unclosed flow mapping', () => [], '{a: 1\n', [/document 0 \(line 2/]],
  ['ResourceList without items', () => [], list(''), [/ResourceList has no "items" list/]],
  ['ResourceList items not a list', () => [], list('items: 3\n'), [/items is number/]],
  ['bad -ignore regexp', () => ['-ignore', '('], '', [/invalid -ignore regexp "\("/]],
  ['bad -rename-ignore regexp', () => ['-rename-ignore', '(', '-rename-remote-path', 'r.example.com'], '', [/invalid -rename-ignore regexp/]],
  ['bad -vulncheck-ignore-images regexp', () => ['-vulncheck-ignore-images', '[a'], '', [/invalid -vulncheck-ignore-images regexp/]],
  ['unknown template field', () => ['-rename-remote-path', 'r.example.com', '-rename-template', '{{ .Foo }}'], pod('nginx'), [/template: remote:1:3: executing "remote" at <\.Foo>: can't evaluate field Foo in type reimage\.RepoTemplateInput/]],
  ['unclosed template action', () => ['-rename-remote-path', 'r.example.com', '-rename-template', '{{ .Registry'], pod('nginx'), [/unclosed action/]],
  ['template function Go lacks', () => ['-rename-remote-path', 'r.example.com', '-rename-template', '{{ .Tag | lower }}'], pod('nginx'), [/template: remote:1: function "lower" not defined/]],
  ['bad kind regexp in rules', () => ['-rules-config', file('kind.yaml', '- kind: "(["\n  apiVersion: v1\n  imageJSONP: [$.spec.image]\n')], pod('nginx'), [/rules-config \S+kind\.yaml rule 0: could not compile json matcher 0, failed to compile Kind regexp, error parsing regexp: missing closing \]/]],
  ['script jsonpath in rules', () => ['-rules-config', file('jp.yaml', '- kind: Foo\n  apiVersion: v1\n  imageJSONP: ["$.spec[(@.length-1)]"]\n')], pod('nginx'), [/rule 0: could not compile json matcher 0, failed to parse jsonpath expression "\$\.spec\[\(@\.length-1\)\]"/, /script expressions/]],
  ['missing rules file', () => ['-rules-config', path.join(dir, 'nope.yaml')], pod('nginx'), [/-rules-config: cannot read .*nope\.yaml/]],
  ['rules file not a list', () => ['-rules-config', file('notlist.yaml', 'kind: Foo\n')], pod('nginx'), [/rules/i]],
  ['uppercase repository', () => OFFLINE, pod('Nginx:1'), [FIELD, /invalid image reference "Nginx:1": repository "Nginx" must be lowercase/]],
  ['truncated digest', () => OFFLINE, pod('"nginx@sha256:abc"'), [FIELD, /sha256 digest must be 64/]],
  ['number as image', () => OFFLINE, pod('42'), [FIELD, /image must be a string, got number/]],
  ['null image', () => OFFLINE, pod('null'), [FIELD, /got null/]],
  ['image missing from static mappings', () => OFFLINE, pod('nginx:9'), [FIELD, /no known static reference for nginx:9/]],
  ['missing mappings file', () => ['-static-json-mappings-file', path.join(dir, 'nope.json')], pod('nginx'), [/cannot read .*nope\.json: no such file/]],
  ['malformed mappings JSON', () => ['-static-json-mappings-file', file('bad.json', '{"a":')], pod('nginx'), [/bad\.json: mappings are not valid JSON/]],
  ['mappings JSON array', () => ['-static-json-mappings-file', file('arr.json', '[1]')], pod('nginx'), [/must be a JSON object/]],
  ['mapping with a bad digest', () => ['-static-json-mappings-file', file('dig.json', '{"nginx":{"tag":"x/y:1","digest":"sha1:abc"}}')], pod('nginx'), [/mapping "nginx": "digest" must look like sha256/]],
  ['mapping key not a reference', () => ['-static-json-mappings-file', file('key.json', `{"Bad Key":{"tag":"x/y:1","digest":"sha256:${'0'.repeat(64)}"}}`)], pod('nginx'), [/mapping key "Bad Key": invalid image reference/]],
  ['unknown flag', () => ['-foo'], '', [/flag provided but not defined: -foo/]],
  ['flag without its value', () => ['-rename-template'], '', [/flag needs an argument: -rename-template/]],
  ['bad float', () => ['-vulncheck-max-cvss', 'abc'], '', [/invalid value "abc" for flag -vulncheck-max-cvss/]],
  ['bad duration', () => ['-vulncheck-timeout', '5'], '', [/invalid value "5" for flag -vulncheck-timeout/, /missing unit/]],
  ['bad boolean', () => ['-dryrun=maybe'], '', [/invalid boolean value "maybe" for -dryrun/]],
  ['positional argument', () => ['extra'], '', [/unexpected argument "extra"/]],
  ['two static mapping sources', () => ['-static-json-mappings-file', 'a', '-static-json-mappings-img', 'b'], '', [/only one static mappings configuration is allowed/]],
  ['mappings-only without mappings', () => ['-mappings-only'], '', [/mappings-only requested, but no static mapping/]],
  ['bad -vulncheck-method', () => ['-vulncheck-method', 'foo'], '', [/-vulncheck-method: must be one of exec, trivy, grafeas/]],
  ['bad -input', () => ['-input', 'json'], '', [/-input: must be one of k8s, yaml/]],
  ['bad attestor name', () => ['-binauthz-attestor', 'foo', '-grafeas-parent', 'projects/p'], '', [/invalid -binauthz-attestor "foo"/]],
  ['ConfigMap key typo', () => [], list('items: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n  data: {rename-remotepath: x}\n'), [/unknown key "rename-remotepath" \(did you mean "rename-remote-path"\?\)/]],
  ['typed FunctionConfig key typo', () => [], list('items: []\nfunctionConfig:\n  apiVersion: fn.reimage.dev/v1alpha1\n  kind: ReImage\n  metadata: {name: x}\n  spec: {rename: {remotepath: x}}\n'), [/unknown field "spec\.rename\.remotepath"/]],
  ['FunctionConfig of another kind', () => [], list('items: []\nfunctionConfig:\n  apiVersion: v1\n  kind: Secret\n  metadata: {name: x}\n'), [/FunctionConfig/]],
];

// Command-line syntax errors exit 2, as Go's flag package does; everything else exits 1.
const FLAG_SYNTAX = new Set(['unknown flag', 'flag without its value', 'bad float', 'bad duration', 'bad boolean', 'positional argument']);

describe('bad input fails cleanly', () => {
  test.each(cases)('%s', async (name, args, stdin, expected) => {
    const r = await runCli(args(), stdin);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(FLAG_SYNTAX.has(name) ? 2 : 1);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('level='));
    expect(lines).toHaveLength(1);
    for (const re of expected) expect(lines[0]).toMatch(re);
  });

  test('there are at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});

describe('help and version', () => {
  test('--help lists every Go flag and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['-rename-remote-path', '-rename-template', '-static-json-mappings-file', '-vulncheck-max-cvss', '-binauthz-attestor', '-verify-static-json-mappings']) {
      expect(r.stdout).toContain(flag);
    }
  });

  test('-V and --version print the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['-V', '--version']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(version);
    }
  });
});

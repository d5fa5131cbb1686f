import {
  DEFAULT_RENAME_TEMPLATE,
  RENAME_FIELDS,
  TemplateError,
  compileTemplate,
  isTemplateError,
} from '../src/reference';
import type { RenameTemplateData } from '../src/reference';
import { ReimageError } from '../src/util/errors';

const data: RenameTemplateData = {
  RemotePath: 'registry.example.com/mirror',
  Registry: 'index.docker.io',
  Repository: 'library/nginx',
  Digest: 'sha256:abc',
  DigestAlgo: 'sha256',
  DigestHex: 'abc',
  Tag: '1.25',
};

const render = (source: string): string => compileTemplate(source, RENAME_FIELDS).execute(data);

function compileError(source: string): TemplateError {
  try {
    compileTemplate(source, RENAME_FIELDS);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect(e).toBeInstanceOf(ReimageError);
    expect(isTemplateError(e)).toBe(true);
    return e as TemplateError;
  }
  throw new Error(`expected ${JSON.stringify(source)} to fail`);
}

describe('compileTemplate: rendering', () => {
  test('default template (the Go tool’s DefaultTemplateStr)', () => {
    expect(DEFAULT_RENAME_TEMPLATE).toBe('{{ .RemotePath }}/{{ .Registry }}/{{ .Repository }}:{{ .DigestHex }}');
    expect(render(DEFAULT_RENAME_TEMPLATE)).toBe('registry.example.com/mirror/index.docker.io/library/nginx:abc');
    expect(compileTemplate(DEFAULT_RENAME_TEMPLATE, RENAME_FIELDS).source).toBe(DEFAULT_RENAME_TEMPLATE);
  });

  test.each<[string, string]>([
    ['plain text', 'plain text'],
    ['', ''],
    ['{{.Tag}}', '1.25'],
    ['{{ .Tag }}', '1.25'],
    ['{{\t.Tag\n}}', '1.25'],
    ['a }} b', 'a }} b'],
    ['{{ .RemotePath }}/{{ .Repository }}@{{ .Digest }}', 'registry.example.com/mirror/library/nginx@sha256:abc'],
    ['{{ .DigestAlgo }}-{{ .DigestHex }}', 'sha256-abc'],
    // Trim markers remove all adjacent space characters (space, tab, CR, LF), including newlines.
    ['x  \n\t {{- .Tag }}', 'x1.25'],
    ['{{ .Tag -}} \n\r\t y', '1.25y'],
    ['a {{- .Tag -}} b', 'a1.25b'],
    ['a\n{{- .Registry -}}\n/\n{{- .Repository -}}\n', 'aindex.docker.io/library/nginx'],
    ['{{- .Tag -}}', '1.25'],
    ['{{ .Tag }} {{ .Tag }}', '1.25 1.25'],
    // Only the adjacent text is trimmed, not text beyond another action.
    ['a {{ .Tag -}} {{- .Tag }} b', 'a 1.251.25 b'],
    // Comments, with and without trim markers, spanning lines and containing "}}".
    ['a{{/* a comment */}}b', 'ab'],
    ['a {{- /* c */ -}} b', 'ab'],
    ['a {{/* c */ -}} b', 'a b'],
    ['{{/* multi\nline }} comment */}}{{ .Tag }}', '1.25'],
    ['{{/**/}}x', 'x'],
    // Multi-line templates keep their newlines.
    ['{{ .Registry }}\n{{ .Repository }}\n', 'index.docker.io\nlibrary/nginx\n'],
  ])('%j', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  test('compiled templates are reusable and immutable', () => {
    const t = compileTemplate('{{ .Tag }}', RENAME_FIELDS);
    expect(t.execute(data)).toBe('1.25');
    expect(t.execute({ ...data, Tag: 'v2' })).toBe('v2');
    expect(Object.isFrozen(t)).toBe(true);
  });

  test('fields are whatever the caller declares', () => {
    expect(compileTemplate('{{ .A }}-{{ .B }}', ['A', 'B']).execute({ A: '1', B: '2' })).toBe('1-2');
  });

  test('a declared field missing at execution is an error, not "<no value>"', () => {
    const t = compileTemplate('x{{ .Tag }}', RENAME_FIELDS);
    expect(() => t.execute({})).toThrow('template: rename:1:4: no value given for field Tag');
    expect(() => t.execute({})).toThrow(TemplateError);
  });
});

describe('compileTemplate: errors', () => {
  test('unknown field names the field and the valid ones, with Go-style position', () => {
    const e = compileError('{{ .Foo }}');
    expect(e.message).toBe(
      "template: rename:1:3: can't evaluate field Foo (valid fields: .RemotePath, .Registry, .Repository, .Digest, .DigestAlgo, .DigestHex, .Tag)",
    );
  });

  test('position counts lines, and columns as Go does (0-based byte offset in the line)', () => {
    expect(compileError('{{ .Tag }}\nab{{.Nope}}').message).toMatch(/^template: rename:2:4: can't evaluate field Nope/);
    expect(compileError('x\n\ny {{ .Tag }} {{').message).toBe('template: rename:3:13: unclosed action');
  });

  test('the template name is configurable', () => {
    expect(() => compileTemplate('{{', RENAME_FIELDS, 'remote')).toThrow('template: remote:1:0: unclosed action');
  });

  test('field names are case-sensitive', () => {
    expect(compileError('{{ .tag }}').message).toContain("can't evaluate field tag");
  });

  test.each<[string, string]>([
    ['{{', 'rename:1:0: unclosed action'],
    ['abc {{ .Tag ', 'rename:1:4: unclosed action'],
    ['{{ .Tag }', 'unclosed action'],
    ['{{}}', 'rename:1:2: empty action'],
    ['{{   }}', 'empty action'],
    ['{{- }}', 'empty action'],
    ['{{/* no end', 'unclosed comment'],
    ['{{/* c */ }}', 'comment ends before closing delimiter'],
    ['{{/* c */x}}', 'comment ends before closing delimiter'],
    ['{{ /* c */ }}', 'a comment must start right after "{{"'],
    ['{{-.Tag}}', "trim marker '-' after '{{' must be followed by a space"],
    ['{{ .Tag-}}', "trim marker '-' before '}}' must be preceded by a space"],
    ['{{- -}}', "trim marker '-' before '}}' must be preceded by a space"],
    ['{{ .Tag | lower }}', 'pipelines ("|") are not supported'],
    ['{{ .Tag | printf "%s" }}', 'pipelines ("|") are not supported'],
    ['{{ if .Tag }}x{{ end }}', '"if" actions are not supported'],
    ['{{ range .Tag }}{{ end }}', '"range" actions are not supported'],
    ['{{ with .Tag }}{{ . }}{{ end }}', '"with" actions are not supported'],
    ['{{ end }}', '"end" actions are not supported'],
    ['{{ define "x" }}{{ end }}', '"define" actions are not supported'],
    ['{{ template "x" }}', '"template" actions are not supported'],
    ['{{ . }}', '{{ . }} (the whole data) is not supported'],
    ['{{ .Tag.Len }}', 'chained field access (.Tag.Len) is not supported'],
    ['{{ .Tag .Registry }}', 'arguments after .Tag are not supported'],
    ['{{ $x := .Tag }}', 'variables are not supported'],
    ['{{ $ }}', 'variables are not supported'],
    ['{{ printf "%s" .Tag }}', 'function calls ("printf") are not supported'],
    ['{{ lower .Tag }}', 'function calls ("lower") are not supported'],
    ['{{ "literal" }}', 'constants are not supported'],
    ['{{ 42 }}', 'constants are not supported'],
    ['{{ true }}', 'constants are not supported'],
    ['{{ (.Tag) }}', 'parenthesised expressions are not supported'],
    ['{{ .Tag) }}', 'unexpected ".Tag)" in action'],
  ])('%j', (source, fragment) => {
    const e = compileError(source);
    expect(e.message).toMatch(/^template: rename:\d+:\d+: /);
    expect(e.message).toContain(fragment);
  });

  test('unsupported constructs say what is supported', () => {
    expect(compileError('{{ if .Tag }}{{ end }}').message).toContain('only {{ .Field }} actions, comments and trim markers are supported');
  });
});

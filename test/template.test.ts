import { DEFAULT_RENAME_TEMPLATE, RENAME_FIELDS, TemplateError, compileTemplate, isTemplateError, parseReference } from '../src/reference';
import type { RenameTemplateData } from '../src/reference';
import { History, renameRemapper } from '../src/remap';
import type { RemapContext } from '../src/remap';
import { ReimageError } from '../src/util/errors';
import { silentLogger } from '../src/util/log';

const data: RenameTemplateData = {
  RemotePath: 'registry.example.com/mirror',
  Registry: 'index.docker.io',
  Repository: 'library/nginx',
  Digest: 'sha256:abc',
  DigestAlgo: 'sha256',
  DigestHex: 'abc',
  Tag: '1.25',
};

const render = (source: string): string => compileTemplate(source).execute(data);

function compileError(source: string): TemplateError {
  try {
    compileTemplate(source);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect(e).toBeInstanceOf(ReimageError);
    expect(isTemplateError(e)).toBe(true);
    return e as TemplateError;
  }
  throw new Error(`expected ${JSON.stringify(source)} to fail`);
}

describe('compileTemplate: -rename-template through Go text/template', () => {
  test('default template (the Go tool’s DefaultTemplateStr)', () => {
    expect(DEFAULT_RENAME_TEMPLATE).toBe('{{ .RemotePath }}/{{ .Registry }}/{{ .Repository }}:{{ .DigestHex }}');
    expect(render(DEFAULT_RENAME_TEMPLATE)).toBe('registry.example.com/mirror/index.docker.io/library/nginx:abc');
    expect(compileTemplate(DEFAULT_RENAME_TEMPLATE).source).toBe(DEFAULT_RENAME_TEMPLATE);
  });

  test('the data has the fields of the Go tool’s RepoTemplateInput, in its order', () => {
    expect(RENAME_FIELDS).toEqual(['RemotePath', 'Digest', 'DigestAlgo', 'DigestHex', 'Tag', 'Registry', 'Repository']);
    expect(render('{{ . }}')).toBe('{registry.example.com/mirror sha256:abc sha256 abc 1.25 index.docker.io library/nginx}');
  });

  test.each<[string, string]>([
    ['plain text', 'plain text'],
    ['', ''],
    ['{{\t.Tag\n}}', '1.25'],
    ['a }} b', 'a }} b'],
    ['x  \n\t {{- .Tag }}', 'x1.25'],
    ['{{ .Tag -}} \n\r\t y', '1.25y'],
    ['a\n{{- .Registry -}}\n/\n{{- .Repository -}}\n', 'aindex.docker.io/library/nginx'],
    ['a {{ .Tag -}} {{- .Tag }} b', 'a 1.251.25 b'],
    ['a {{- /* c */ -}} b', 'ab'],
    ['{{/* multi\nline }} comment */}}{{ .Tag }}', '1.25'],
    // What users write beyond plain fields, all accepted by the Go tool.
    ['{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex | printf "%.12s" }}', 'registry.example.com/mirror/library/nginx:abc'],
    ['{{ .RemotePath }}/{{ slice .DigestHex 0 2 }}', 'registry.example.com/mirror/ab'],
    ['{{ if .Tag }}{{ .Tag }}{{ else }}{{ .DigestHex }}{{ end }}', '1.25'],
    ['{{ with $r := .Repository }}{{ $r }}{{ end }}', 'library/nginx'],
    ['{{ $.RemotePath }}/{{ len .Repository }}', 'registry.example.com/mirror/13'],
    ['{{ if eq .Registry "index.docker.io" "docker.io" }}hub{{ end }}', 'hub'],
    ['{{ printf "%s/%s-%s" .RemotePath (index (slice .Repository 8) 0 | printf "%c") .Tag }}', 'registry.example.com/mirror/n-1.25'],
    ['{{ urlquery .Tag }}{{ html "<" }}{{ js "\'" }}', '1.25&lt;\\\''],
  ])('%j', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  test('compiled templates are reusable and immutable', () => {
    const t = compileTemplate('{{ .Tag }}');
    expect(t.execute(data)).toBe('1.25');
    expect(t.execute({ ...data, Tag: 'v2' })).toBe('v2');
    expect(Object.isFrozen(t)).toBe(true);
  });

  test('a field the struct lacks fails at startup, with Go’s text', () => {
    expect(compileError('{{ .Tag }}\nab{{.Nope}}').message).toBe(
      'template: remote:2:4: executing "remote" at <.Nope>: can\'t evaluate field Nope in type reimage.RepoTemplateInput',
    );
    expect(compileError('{{ .tag }}').message).toContain("can't evaluate field tag in type reimage.RepoTemplateInput");
  });

  test('data-dependent errors wait for the data, as in Go', () => {
    const t = compileTemplate('{{ index .Tag 3 }}');
    expect(t.execute(data)).toBe('53');
    expect(() => t.execute({ ...data, Tag: 'v1' })).toThrow(
      'template: remote:1:3: executing "remote" at <index .Tag 3>: error calling index: index out of range: 3',
    );
  });

  test.each<[string, string]>([
    ['{{', 'template: remote:1: unclosed action'],
    ['x\n\ny {{ .Tag }} {{', 'template: remote:3: unclosed action'],
    ['{{}}', 'template: remote:1: missing value for command'],
    ['{{/* no end', 'template: remote:1: unclosed comment'],
    ['{{/* c */x}}', 'template: remote:1: comment ends before closing delimiter'],
    ['{{ .Tag | lower }}', 'template: remote:1: function "lower" not defined'],
    ['{{ if .Tag }}x', 'template: remote:1: unexpected EOF'],
    ['{{ end }}', 'template: remote:1: unexpected {{end}}'],
    ['{{ $x }}', 'template: remote:1: undefined variable "$x"'],
    ['{{ .Tag) }}', 'template: remote:1: unexpected ")" in command'],
    ['{{ "a".x }}', 'template: remote:1: unexpected . after term "\\"a\\""'],
  ])('parse error %j', (source, message) => {
    expect(compileError(source).message).toBe(message);
  });
});

// The Go tool's TestRenameRemapper and TestRenameRemapper_Ignore (reimage_test.go), translated.
describe('rename remapper (Go TestRenameRemapper*)', () => {
  const base = 'example.com/firstrepo/test/img1';
  const tagStr = `${base}:latest`;
  const hashStr = 'abcdabcdabceabcdabcdabcdabcdabcdabcdabcdabcaacbcbfedabcaefacbaea';
  const remoteStr = 'secondrepo/imported';
  const tmpl = compileTemplate('{{ .RemotePath }}/{{ .Registry}}/{{ .Repository }}:{{ .DigestHex }}');
  // The digest is known, as after the Go test's h.AddDigest: no registry may be asked.
  const ctx: RemapContext = {
    registry: () => {
      throw new Error('no registry in this test');
    },
    log: silentLogger,
  };

  test('TestRenameRemapper', async () => {
    const h = new History(parseReference(tagStr));
    h.digest = `sha256:${hashStr}`;
    h.add(parseReference(`${base}@sha256:${hashStr}`));
    await renameRemapper({ ignore: undefined, remotePath: remoteStr, template: tmpl }).remap(h, ctx);
    expect(h.latest.original).toBe(`${remoteStr}/${base}:${hashStr}`);
  });

  test('TestRenameRemapper_Ignore', async () => {
    const h = new History(parseReference(tagStr));
    h.digest = `sha256:${hashStr}`;
    await renameRemapper({ ignore: /^example.com\/firstrepo\//, remotePath: remoteStr, template: tmpl }).remap(h, ctx);
    expect(h.latest.original).toBe(tagStr);
  });

  test('the template sees the tag of a tagged reference, and none for a digest reference', async () => {
    const seen: string[] = [];
    for (const ref of [tagStr, `${base}@sha256:${hashStr}`]) {
      const h = new History(parseReference(ref));
      h.digest = `sha256:${hashStr}`;
      const t = compileTemplate('{{ .RemotePath }}/x:{{ if .Tag }}{{ .Tag }}{{ else }}{{ .DigestAlgo }}-{{ slice .DigestHex 0 8 }}{{ end }}');
      await renameRemapper({ ignore: undefined, remotePath: remoteStr, template: t }).remap(h, ctx);
      seen.push(h.latest.original);
    }
    expect(seen).toEqual([`${remoteStr}/x:latest`, `${remoteStr}/x:sha256-abcdabcd`]);
  });
});

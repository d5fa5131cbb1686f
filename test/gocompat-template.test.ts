import { goStruct, parseTemplate } from '../src/gocompat/template';

const renameData = goStruct('reimage.RepoTemplateInput', {
  RemotePath: 'secondrepo/imported',
  Digest: 'sha256:abcdef0123456789',
  DigestAlgo: 'sha256',
  DigestHex: 'abcdef0123456789',
  Tag: 'latest',
  Registry: 'example.com',
  Repository: 'firstrepo/test/img1',
});

const run = (text: string, data: unknown = renameData, funcs: 'go' | 'sprig' = 'go'): string => parseTemplate('remote', text, { funcs }).execute(data);
const fails = (text: string, data: unknown = renameData, funcs: 'go' | 'sprig' = 'go'): string => {
  try {
    run(text, data, funcs);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected ${text} to fail`);
};

describe('go text/template: rename templates', () => {
  test.each([
    ['{{ .RemotePath }}/{{ .Registry }}/{{ .Repository }}:{{ .DigestHex }}', 'secondrepo/imported/example.com/firstrepo/test/img1:abcdef0123456789'],
    ['{{ .DigestHex | printf "%.12s" }}', 'abcdef012345'],
    ['{{ if eq .Tag "latest" }}L{{ else }}N{{ end }}', 'L'],
    ['{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', '2'],
  ])('%s', (text, want) => {
    expect(run(text)).toBe(want);
  });

  test('errors read as Go', () => {
    expect(fails('{{ .Nope }}')).toBe('template: remote:1:3: executing "remote" at <.Nope>: can\'t evaluate field Nope in type reimage.RepoTemplateInput');
    expect(fails('{{ lower .Tag }}')).toBe('template: remote:1: function "lower" not defined');
  });
});

import { goStruct, parseTemplate, TemplateError } from '../src/gocompat/template';
import { EXEC_CASES, PRINTF_CASES, type Case } from './fixtures/gotemplate-cases';

// The Go tool's RepoTemplateInput, fields in its declaration order.
const RENAME = goStruct('reimage.RepoTemplateInput', {
  RemotePath: 'secondrepo/imported',
  Digest: 'sha256:abcdef0123456789',
  DigestAlgo: 'sha256',
  DigestHex: 'abcdef0123456789',
  Tag: 'latest',
  Registry: 'example.com',
  Repository: 'firstrepo/test/img1',
});

const outcome = (text: string, data: unknown, funcs: 'go' | 'sprig' = 'go'): { out?: string; err?: string } => {
  try {
    return { out: parseTemplate('remote', text, { funcs }).execute(data === 'rename' ? RENAME : data) };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { err: e.message };
  }
};
const run = (text: string, data: unknown = 'rename', funcs: 'go' | 'sprig' = 'go'): string => {
  const r = outcome(text, data, funcs);
  if (r.err !== undefined) throw new Error(r.err);
  return r.out as string;
};
const err = (text: string, data: unknown = 'rename', funcs: 'go' | 'sprig' = 'go'): string => {
  const r = outcome(text, data, funcs);
  if (r.err === undefined) throw new Error(`expected ${text} to fail, got ${JSON.stringify(r.out)}`);
  return r.err;
};

describe('text/template: outputs and errors recorded from Go', () => {
  test.each<Case>(EXEC_CASES)('%s', (text, data, expected) => {
    expect(outcome(text, data)).toEqual(expected);
  });
});

describe('printf verbs, flags, width and precision as Go formats them', () => {
  test.each<Case>(PRINTF_CASES)('%s', (text, data, expected) => {
    expect(outcome(text, data)).toEqual(expected);
  });

  test.each<[string, string]>([
    ['{{ printf "%.0f %.0f %.0f %.0f" 0.5 1.5 2.5 3.5 }}', '0 2 2 4'],
    ['{{ printf "%.2f %.1f" 0.125 0.25 }}', '0.12 0.2'],
    ['{{ printf "%v %v %v %v" 1e20 1e21 123456.0 1234567.0 }}', '1e+20 1e+21 123456 1.234567e+06'],
    ['{{ printf "%f" 1e21 }}', '1000000000000000000000.000000'],
    ['{{ printf "%.3s|%-6.2s|%6q" "abcdef" "xyz" "a" }}', 'abc|xy    |   "a"'],
    ['{{ printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159 }}', '    1|2   |3.14'],
    ['{{ printf "%!" }}|{{ printf "%" }}|{{ printf "%d" }}|{{ printf "%d" "x" }}|{{ printf "" 1 }}', '%!!(MISSING)|%!(NOVERB)|%!d(MISSING)|%!d(string=x)|%!(EXTRA int=1)'],
    ['{{ printf "%[2]s %[1]s %[3]s" "a" "b" }}', 'b a %!s(BADINDEX)'],
    ['{{ printf "%x %X % x %#x" "hi" "hi" "hi" "hi" }}', '6869 6869 68 69 0x6869'],
    ['{{ printf "%c%c %U %#U" 0x4e16 233 0x1F600 0x1F600 }}', '世é U+1F600 U+1F600 \'😀\''],
  ])('%s', (text, want) => {
    expect(run(text)).toBe(want);
  });
});

describe('the rename template data is a Go struct', () => {
  test('a field it lacks names the Go type', () => {
    expect(err('{{ .RemotePath }}/{{ .Nope }}')).toBe(
      'template: remote:1:21: executing "remote" at <.Nope>: can\'t evaluate field Nope in type reimage.RepoTemplateInput',
    );
  });

  test('%v and %+v print the fields in declaration order', () => {
    expect(run('{{ printf "%+v" . }}')).toBe(
      '{RemotePath:secondrepo/imported Digest:sha256:abcdef0123456789 DigestAlgo:sha256 DigestHex:abcdef0123456789 Tag:latest Registry:example.com Repository:firstrepo/test/img1}',
    );
  });

  test('a struct is always true, and its type prints with %T', () => {
    expect(run('{{ if . }}{{ printf "%T" . }}{{ end }}')).toBe('reimage.RepoTemplateInput');
  });

  test('JS data: integers are int, fractions float64, bigint int64, objects maps, arrays slices', () => {
    expect(run('{{ printf "%T %T %T %T %T" .i .f .b .m .l }}', { i: 1, f: 1.5, b: 5n, m: {}, l: [] })).toBe(
      'int float64 int64 map[string]interface {} []interface {}',
    );
  });
});

describe('Go semantics the table does not show at a glance', () => {
  test('missing map keys print <no value>; a present nil prints <no value> too, but <nil> through printf', () => {
    expect(run('{{ .x }}|{{ .n }}|{{ printf "%v" .n }}', { n: null })).toBe('<no value>|<no value>|<nil>');
  });

  test('and/or short-circuit and return the deciding value', () => {
    expect(run('{{ or .a .b }} {{ and .a .b }} {{ or 0 "" }}|{{ and 0 (index .l 9) }}', { a: 'A', b: 'B', l: [] })).toBe('A B |0');
  });

  test('eq takes many arguments and compares basic kinds only', () => {
    expect(run('{{ eq .Tag "v1" "latest" }}')).toBe('true');
    expect(err('{{ eq 1 "1" }}')).toMatch(/error calling eq: incompatible types for comparison$/);
  });

  test('range over a map visits keys in sorted order; over an int counts from 0 (Go 1.22)', () => {
    expect(run('{{ range $k, $v := . }}{{ $k }}{{ $v }} {{ end }}', { b: 2, a: 1, c: 3 })).toBe('a1 b2 c3 ');
    expect(run('{{ range $i := 3 }}{{ $i }}{{ end }}|{{ range 0 }}x{{ else }}none{{ end }}')).toBe('012|none');
    expect(err('{{ range $i, $j := 3 }}{{ end }}')).toMatch(/can't use 3 to iterate over more than one variable$/);
  });

  test('else with chains (Go 1.23)', () => {
    expect(run('{{ with .x }}x{{ else with .Tag }}[{{ . }}]{{ else }}none{{ end }}', { Tag: 'v' })).toBe('[v]');
    expect(run('{{ with .x }}x{{ else with .y }}y{{ else }}none{{ end }}', {})).toBe('none');
  });

  test('break and continue', () => {
    expect(run('{{ range . }}{{ if eq . 3 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}', [0, 1, 2, 3, 4])).toBe('02');
  });

  test('define, template and block', () => {
    expect(run('{{ define "T" }}<{{ . }}>{{ end }}{{ template "T" .Tag }}{{ block "B" .Registry }}[{{ . }}]{{ end }}')).toBe('<latest>[example.com]');
    expect(err('{{ template "nope" }}')).toBe('template: remote:1:12: executing "remote" at <{{template "nope"}}>: template "nope" not defined');
  });

  test('unknown functions fail at parse time', () => {
    expect(() => parseTemplate('remote', '{{ if false }}{{ lower .Tag }}{{ end }}')).toThrow('template: remote:1: function "lower" not defined');
  });

  test('positions count bytes, as Go does; a chain is placed at its last field', () => {
    expect(err('é{{ .Nope }}')).toMatch(/^template: remote:1:5: /);
    expect(err('a\nbé{{ .x.y }}', { x: 's' })).toMatch(/^template: remote:2:8: executing "remote" at <\.x\.y>: can't evaluate field y in type interface \{\}$/);
  });

  test('a parsed template runs many times, each run independent', () => {
    const t = parseTemplate('remote', '{{ $x := .n }}{{ $x }}');
    expect(t.execute({ n: 1 })).toBe('1');
    expect(t.execute({ n: 2 })).toBe('2');
  });
});

describe('sprig function set', () => {
  const S = { list: ['b', 'a', 'c'], m: { y: 2, x: 1 }, s: '  pad  ', n: 0, empty: '', f: 2.5, nested: { a: [1, { b: 'x<y' }], c: null } };
  const sprig = (text: string, data: unknown = S): string => run(text, data, 'sprig');

  test.each<[string, string]>([
    ['{{ join ", " .list }}', 'b, a, c'],
    ['{{ .list | join "-" }}', 'b-a-c'],
    ['{{ join "," (list 1 nil "x" 2.5) }}', '1,x,2.5'],
    ['{{ join "," "solo" }}', 'solo'],
    ['{{ upper "abc" }} {{ lower "ÀBC" }} {{ trim .s }}|', 'ABC àbc pad|'],
    ['{{ .n | default 5 }} {{ .empty | default "d" }} {{ .missing | default "m" }} {{ "set" | default "d" }} {{ default "only" }}', '5 d m set only'],
    ['{{ toJson .nested }}', '{"a":[1,{"b":"x\\u003cy"}],"c":null}'],
    ['{{ toJson .list }} {{ toJson 1.5 }} {{ toJson "a\\"b" }} {{ toJson .missing }} {{ toJson 1e21 }} {{ toJson 0.0000001 }}', '["b","a","c"] 1.5 "a\\"b" null 1e+21 1e-7'],
    ['{{ toPrettyJson .m }}', '{\n  "x": 1,\n  "y": 2\n}'],
    ['{{ sortAlpha .list }} {{ sortAlpha (list 10 9 "a") }} {{ sortAlpha "x" }}', '[a b c] [10 9 a] [x]'],
    ['{{ keys .m | sortAlpha }} {{ printf "%T" (keys .m) }}', '[x y] []string'],
    ['{{ list 1 "a" nil }} {{ printf "%T" (list) }}', '[1 a <nil>] []interface {}'],
    ['{{ dict "b" 2 "a" 1 }} {{ dict "odd" }} {{ (dict "k" "v").k }}', 'map[a:1 b:2] map[odd:] v'],
    ['{{ hasKey .m "x" }} {{ hasKey .m "z" }}', 'true false'],
    ['{{ printf "%.2f %5.1f %g" .f .f 0.1 }}', '2.50   2.5 0.1'],
    ['{{ repeat 3 "ab" }}|{{ repeat 0 "x" }}|', 'ababab||'],
    ['{{ indent 2 "a\\nb" }}|{{ nindent 2 "x" }}', '  a\n  b|\n  x'],
    ['{{ replace "a" "b" "banana" }} {{ "banana" | replace "an" "AN" }} {{ replace "" "-" "ab" }}', 'bbnbnb bANANa -a-b-'],
    ['{{ contains "an" "banana" }} {{ contains "x" "banana" }} {{ hasPrefix "ba" "banana" }} {{ hasPrefix "na" "banana" }}', 'true false true false'],
    ['{{ date "2006-01-02T15:04:05Z07:00 Mon Jan _2 3PM .000" 0 }}', '1970-01-01T00:00:00Z Thu Jan  1 12AM .000'],
    ['{{ date "02/01/06 15:04:05.999" .t }}', '14/11/23 22:13:20'],
    ['{{ quote "a" 1 nil }} {{ squote "a" 2 }}', '"a" "1" \'a\' \'2\''],
  ])('%s', (text, want) => {
    const prev = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      expect(sprig(text, { ...S, t: 1700000000 })).toBe(want);
    } finally {
      if (prev === undefined) delete process.env.TZ;
      else process.env.TZ = prev;
    }
  });

  test('now is a time.Time that date formats and %v prints as Go does', () => {
    const year = String(new Date().getFullYear());
    expect(sprig('{{ now | date "2006" }}')).toBe(year);
    expect(sprig('{{ now }}')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+ m=\+\d+\.\d{9}$/);
    expect(sprig('{{ printf "%T" now }}')).toBe('time.Time');
  });

  test("sprig's argument errors read as Go's", () => {
    expect(err('{{ upper 3 }}', S, 'sprig')).toBe('template: remote:1:9: executing "remote" at <3>: expected string; found 3');
    expect(err('{{ .n | upper }}', S, 'sprig')).toBe('template: remote:1:8: executing "remote" at <upper>: wrong type for value; expected string; got int');
    expect(err('{{ repeat -1 "x" }}', S, 'sprig')).toBe('template: remote:1:3: executing "remote" at <repeat -1 "x">: error calling repeat: strings: negative Repeat count');
    expect(err('{{ hasKey .list "x" }}', S, 'sprig')).toBe(
      'template: remote:1:10: executing "remote" at <.list>: wrong type for value; expected map[string]interface {}; got []interface {}',
    );
  });

  test('the go set has no sprig functions', () => {
    expect(err('{{ upper "a" }}')).toBe('template: remote:1: function "upper" not defined');
  });
});

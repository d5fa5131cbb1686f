import { findNode, ManifestError, parseYamlStream, resolvePath } from '../src/manifest';
import type { YamlNode } from '../src/manifest';
import { ReimageError } from '../src/util/errors';

function only(text: string): YamlNode {
  const docs = parseYamlStream(text);
  expect(docs).toHaveLength(1);
  const node = docs[0]?.node;
  if (!node) throw new Error('no node');
  return node;
}

/** The source text of the node at `path`. */
function textAt(text: string, path: Array<string | number>): string {
  const node = resolvePath(only(text), path);
  if (!node) throw new Error(`nothing at ${path.join('.')}`);
  return text.slice(node.start, node.end);
}

describe('scalar ranges are exact', () => {
  const text = `plain: nginx:1.0
plainComment: nginx   # comment
single: 'it''s' # c
double: "a\\"b"   # c
flowMap: {image: "x", other: y}
flowSeq: [a, "b" , c]
tagged: !!str 12
anchored: &a value
block: |
  line1
  line2

folded: >-
  folded
  text
last: end`;

  test.each([
    [['plain'], 'nginx:1.0'],
    [['plainComment'], 'nginx'],
    [['single'], "'it''s'"],
    [['double'], '"a\\"b"'],
    [['flowMap', 'image'], '"x"'],
    [['flowMap', 'other'], 'y'],
    [['flowMap'], '{image: "x", other: y}'],
    [['flowSeq', 0], 'a'],
    [['flowSeq', 1], '"b"'],
    [['flowSeq', 2], 'c'],
    [['flowSeq'], '[a, "b" , c]'],
    [['tagged'], '12'],
    [['anchored'], 'value'],
    [['block'], '|\n  line1\n  line2'],
    [['folded'], '>-\n  folded\n  text'],
    [['last'], 'end'],
  ] as Array<[Array<string | number>, string]>)('%j', (path, expected) => {
    expect(textAt(text, path)).toBe(expected);
  });

  test('styles and flow context', () => {
    const root = only(text);
    const style = (p: Array<string | number>) => {
      const n = resolvePath(root, p);
      return n?.kind === 'scalar' ? [n.style, n.inFlow] : undefined;
    };
    expect(style(['plain'])).toEqual(['plain', false]);
    expect(style(['single'])).toEqual(['single', false]);
    expect(style(['double'])).toEqual(['double', false]);
    expect(style(['block'])).toEqual(['literal', false]);
    expect(style(['folded'])).toEqual(['folded', false]);
    expect(style(['flowMap', 'image'])).toEqual(['double', true]);
    expect(style(['flowSeq', 0])).toEqual(['plain', true]);
  });

  test('values are what js-yaml loads', () => {
    const root = only('a: 0644\nb: "x"\nc: [1, true]\n');
    const a = resolvePath(root, ['a']);
    expect(a?.kind === 'scalar' && a.value).toBe(644);
    const c1 = resolvePath(root, ['c', 1]);
    expect(c1?.kind === 'scalar' && c1.value).toBe(true);
  });

  test('block sequences: compact, indented, with item comments', () => {
    const src = 'a:\n- x\n- # c\n  k: v\nb:\n    -   y # c\n    - [z]\n';
    expect(textAt(src, ['a', 0])).toBe('x');
    expect(textAt(src, ['a', 1, 'k'])).toBe('v');
    expect(textAt(src, ['a', 1])).toBe('k: v');
    expect(textAt(src, ['b', 0])).toBe('y');
    expect(textAt(src, ['b', 1, 0])).toBe('z');
    expect(textAt(src, ['b'])).toBe('-   y # c\n    - [z]');
  });

  test('mapping ranges end at their last value, not at trailing comments', () => {
    const src = 'metadata:\n  name: x # c\n  # trailing\nspec: {}\n';
    expect(textAt(src, ['metadata'])).toBe('name: x');
  });

  test('quoted and non-string keys', () => {
    const src = '"a b": 1\n\'c\': 2\n3: three\ntrue: t\n';
    expect(textAt(src, ['a b'])).toBe('1');
    expect(textAt(src, ['c'])).toBe('2');
    expect(textAt(src, [3])).toBe('three');
    expect(textAt(src, ['true'])).toBe('t');
  });

  test('flow mapping with a key and no value', () => {
    const root = only('{a, b: c}\n');
    expect(root.kind === 'mapping' && root.entries.map((e) => [e.key.kind === 'scalar' && e.key.value, e.value ? 'v' : '-'])).toEqual([
      ['a', '-'],
      ['b', 'v'],
    ]);
  });

  test('CRLF and BOM offsets are into the original string', () => {
    const crlf = 'a: 1\r\nb: two # c\r\n';
    expect(textAt(crlf, ['b'])).toBe('two');
    const bom = '\uFEFFa: x\nb: y\n';
    expect(textAt(bom, ['a'])).toBe('x');
    expect(textAt(bom, ['b'])).toBe('y');
  });
});

describe('documents', () => {
  test('empty, comment-only and marked documents are all represented', () => {
    const text = '# lead comment\n---\na: 1\n---\n---\n# only a comment\n...\n--- [1, 2]\n';
    const docs = parseYamlStream(text);
    expect(docs.map((d) => [d.index, d.value, d.node?.kind])).toEqual([
      [0, { a: 1 }, 'mapping'],
      [1, null, undefined],
      [2, null, undefined],
      [3, [1, 2], 'sequence'],
    ]);
    expect(docs.map((d) => text.slice(d.start, d.end))).toEqual(['---\na: 1\n', '---\n', '---\n# only a comment\n...\n', '--- [1, 2]\n']);
  });

  test('a stream without markers, and an empty stream', () => {
    expect(parseYamlStream('a: 1\n').map((d) => [d.start, d.end])).toEqual([[0, 5]]);
    expect(parseYamlStream('')).toEqual([]);
    expect(parseYamlStream('# just a comment\n').map((d) => [d.value, d.node])).toEqual([[null, undefined]]);
  });

  test('document after ... without a marker', () => {
    const docs = parseYamlStream('a: 1\n...\nb: 2\n');
    expect(docs.map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }]);
  });
});

describe('aliases, anchors and merge keys', () => {
  const text = `base: &base
  image: nginx
list:
- &first one
- *first
alias: *base
merged:
  <<: *base
  name: m
`;

  test('a path through an alias reaches the anchored node, marked shared; resolvePath refuses it', () => {
    const root = only(text);
    expect(resolvePath(root, ['alias', 'image'])).toBeUndefined();
    const viaAlias = findNode(root, ['alias', 'image']);
    expect(viaAlias.node).toBe(findNode(root, ['base', 'image']).node);
    expect(viaAlias).toMatchObject({ shared: true });
    expect(findNode(root, ['base', 'image'])).toMatchObject({ shared: false });
    const item = findNode(root, ['list', 1]);
    expect(item.node).toBe(findNode(root, ['list', 0]).node);
    expect(item).toMatchObject({ shared: true });
  });

  test('merge keys: own keys win, then the merged mapping', () => {
    const root = only(text);
    const merged = findNode(root, ['merged', 'image']);
    expect(merged.node).toBe(findNode(root, ['base', 'image']).node);
    expect(merged).toMatchObject({ shared: true });
    expect(textAt(text, ['merged', 'name'])).toBe('m');
    const over = only('a: &a {image: x, n: 1}\nb: &b {image: y}\nc:\n  <<: [*b, *a]\n  n: 2\n');
    expect(findNode(over, ['c', 'image']).node).toBe(findNode(over, ['b', 'image']).node);
    expect(findNode(over, ['c', 'n'])).toMatchObject({ shared: false });
  });

  test('an alias takes the latest anchor of its name before it', () => {
    const root = only('a: &x one\nb: *x\nc: &x two\nd: *x\n');
    expect(findNode(root, ['b']).node).toBe(findNode(root, ['a']).node);
    expect(findNode(root, ['d']).node).toBe(findNode(root, ['c']).node);
  });

  test('the anchored node itself resolves', () => {
    expect(textAt(text, ['base', 'image'])).toBe('nginx');
    expect(textAt(text, ['list', 0])).toBe('one');
  });

  test('missing paths', () => {
    const root = only(text);
    expect(findNode(root, ['nope'])).toEqual({ reason: '(root).nope not found in the source' });
    expect(findNode(root, ['list', 5])).toEqual({ reason: 'list[5] not found in the source' });
    expect(findNode(root, ['base', 'image', 'x'])).toEqual({ reason: 'base.image is a scalar' });
  });

  test('sequences with empty items are marked incomplete rather than misindexed', () => {
    const root = only('a:\n- x\n-\n- y\n');
    expect(resolvePath(root, ['a', 2])).toBeUndefined();
    expect(findNode(root, ['a', 2]).node).toBeUndefined();
  });

  test('explicit keys are refused', () => {
    const root = only('? a\n: 1\nb: 2\n');
    expect(resolvePath(root, ['b'])).toBeUndefined();
  });
});

describe('errors name the document, line and column on one line', () => {
  test.each([
    ['tabs in indentation', 'a:\n\tb: c\n', /^stdin: document 0 \(line 2, column 1\): tab characters must not be used in indentation$/],
    ['broken flow collection in document 2', 'a: 1\n---\nb: 2\n---\nc: [1, 2\n', /^stdin: document 2 \(line 6, column 1\): unexpected end of the stream within a flow collection$/],
    ['duplicate keys', 'a: 1\n---\nk: 1\nk: 2\n', /^stdin: document 1 \(line 4, column 1\): mapping key "k" already defined at line 3$/],
    ['bad indentation', 'a: 1\n---\nb: 2\nc: d: e\n', /^stdin: document 1 \(line 4, column 5\): bad indentation of a mapping entry$/],
    ['unknown alias', 'a: *x\n', /^stdin: document 0 \(line 1, column 6\): unidentified alias "x"$/],
  ])('%s', (_name, text, message) => {
    let err: unknown;
    try {
      parseYamlStream(text, 'stdin');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect(err).toBeInstanceOf(ReimageError);
    expect((err as Error).message).toMatch(message);
  });

  test('duplicate keys are typed, as in Go: 1 and "1" are two keys; merge keys may repeat', () => {
    expect(() => parseYamlStream('1: a\n"1": b\n')).not.toThrow();
    expect(() => parseYamlStream('a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: *a\n  <<: *b\n')).not.toThrow();
    expect(() => parseYamlStream('x:\n  - {a: 1, "a": 2}\n')).toThrow(/^document 0 \(line 2, column 12\): mapping key "a" already defined at line 2$/);
  });

  test('without a source name there is no prefix', () => {
    expect(() => parseYamlStream('a: [\n')).toThrow(/^document 0 \(line 2, column 1\): /);
  });
});

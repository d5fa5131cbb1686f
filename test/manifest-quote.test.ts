import { load } from 'js-yaml';
import { applyEdits, isSafePlain, parseYamlStream, quoteDouble, quoteSingle, renderScalar, resolvePath } from '../src/manifest';

describe('isSafePlain', () => {
  test.each([
    'nginx',
    'nginx:1.0',
    'registry.example.com:5000/team/app@sha256:0123abcd',
    'docker.io/library/busybox:latest',
    'a#b',
    'a:b',
    'gcr.io/x/y:v1.2.3-rc.1',
  ])('%s stays plain', (s) => {
    expect(isSafePlain(s)).toBe(true);
    expect(load(`k: ${s}`)).toEqual({ k: s });
  });

  // Values YAML 1.1 (Kubernetes) or 1.2 would read as something other than the same string, or that break the line.
  test.each([
    '', 'on', 'Off', 'yes', 'NO', 'y', 'n', 'true', 'False', 'null', 'Null', '~',
    '1.0', '0644', '0o644', '0x1F', '1e3', '.5', '-1', '+1', '1:20', '2001-12-14', '.inf', '.NaN', '.', '<<', '=',
    'a: b', 'a:', 'x #y', ' lead', 'trail ', '-x', '? x', '[x]', '{x}', '*x', '&x', '!x', '|x', '>x', "'x", '"x', '%x', '@x', '`x', '#x',
    '---', '...x', 'a\nb', 'tab\there', 'nul\u0000',
  ])('%j is quoted', (s) => {
    expect(isSafePlain(s)).toBe(false);
  });

  test('flow indicators only matter inside flow collections', () => {
    expect(isSafePlain('a,b')).toBe(true);
    expect(isSafePlain('a,b', true)).toBe(false);
    expect(isSafePlain('a]b', true)).toBe(false);
  });
});

describe('quoting', () => {
  test('double quotes are JSON-style plus the escapes YAML needs', () => {
    expect(quoteDouble('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(quoteDouble('\u0085\u2028\ufeff')).toBe('"\\u0085\\u2028\\ufeff"');
  });

  test('single quotes double the quote; unprintables fall back', () => {
    expect(quoteSingle("it's")).toBe("'it''s'");
    expect(quoteSingle('a\nb')).toBeUndefined();
  });

  test('renderScalar per style', () => {
    expect(renderScalar('x', 'plain', false)).toBe('x');
    expect(renderScalar('on', 'plain', false)).toBe('"on"');
    expect(renderScalar('x', 'single', false)).toBe("'x'");
    expect(renderScalar('a\nb', 'single', false)).toBe('"a\\nb"');
    expect(renderScalar('x', 'double', false)).toBe('"x"');
    expect(renderScalar('x', 'literal', false)).toBe('"x"');
    expect(renderScalar('x', 'folded', false)).toBe('"x"');
  });

  // Whatever the value, writing it into any style and reading it back gives the same string.
  const VALUES = ['nginx', 'on', '1.0', "it's", 'a"b', 'a: b', 'x #y', 'a,b', '[x]', '', ' x ', 'a\nb', 'tab\tx', 'é€😀', '\u0007', '0644', 'null'];
  const STYLES = ['image: old', "image: 'old'", 'image: "old"', 'image: |\n  old', 'image: >-\n  old', 'x: [old]', 'x: {image: old}'];
  test.each(STYLES)('round trip through %j', (style) => {
    for (const v of VALUES) {
      const text = `${style}\nnext: 1\n`;
      const root = parseYamlStream(text)[0]?.node;
      if (!root) throw new Error('no root');
      const path = style.startsWith('x: [') ? ['x', 0] : style.startsWith('x: {') ? ['x', 'image'] : ['image'];
      const node = resolvePath(root, path);
      const out = applyEdits(text, [{ kind: 'scalar', node: node as never, value: v }]);
      let got: unknown = load(out);
      for (const p of path) got = (got as Record<string | number, unknown>)[p];
      expect([v, got]).toEqual([v, v]);
      expect((load(out) as { next: number }).next).toBe(1);
    }
  });
});

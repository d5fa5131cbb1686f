/**
 * QA pass on issue 9 from the outside: variations beyond the issue's own examples.
 */
import { parseTemplate } from '../src/gocompat/template';

describe('report templates: sprig functions users write beyond the issue list', () => {
  // Expected values are sprig v3's trunc: byte-based, negative counts keep the tail.
  test.each([
    ['{{ trunc 3 "abcdef" }}', 'abc'],
    ['{{ trunc -2 "abcdef" }}', 'ef'],
    ['{{ trunc 10 "ab" }}', 'ab'],
    ['{{ trunc -10 "ab" }}', 'ab'],
    ['{{ "xyz" | trunc 1 }}', 'x'],
    ['{{ trunc 0 "xyz" }}', ''],
  ])('%s', (text, want) => {
    expect(parseTemplate('report', text, { funcs: 'sprig' }).execute({})).toBe(want);
  });

  test('rename templates still have no sprig functions, as in Go', () => {
    expect(() => parseTemplate('remote', '{{ trunc 1 "a" }}')).toThrow('template: remote:1: function "trunc" not defined');
  });
});

import { goDecode, goFloat32, goJsonFloat32, goJsonString, goMap, goSlice, goString, goStructType, goUnmarshal, GoJsonError } from '../src/gocompat/json';

const T = goStructType('T', {
  Name: goString,
  Score: goFloat32,
  Tags: goSlice(goString),
  Sub: goStructType('Sub', { Value: goFloat32 }),
  ByKey: goMap(goStructType('E', { V: goFloat32 })),
});

describe('goDecode: encoding/json rules', () => {
  test('keys match exactly, else case-insensitively; unknown keys are ignored', () => {
    const v = goUnmarshal('{"name":"a","SCORE":1.5,"tAgS":["x"],"sub":{"value":2},"Other":{"deep":[1]}}', T);
    expect(v.Name).toBe('a');
    expect(v.Score).toBe(1.5);
    expect(v.Tags).toEqual(['x']);
    expect(v.Sub.Value).toBe(2);
  });

  test('an exact match is preferred, else the first field that folds equal; a later key overwrites', () => {
    expect(goUnmarshal('{"Name":"exact","name":"folded"}', T).Name).toBe('folded');
    const t = goStructType('U', { Name: goString, name: goString });
    expect(goUnmarshal('{"name":"b","NAME":"c","Name":"a"}', t)).toEqual({ Name: 'a', name: 'b' });
  });

  test('Kelvin sign and long s fold like Go (bytes.EqualFold)', () => {
    const t = goStructType('K', { Kind: goString, Score: goFloat32 });
    expect(goUnmarshal('{"\u212aind":"k","\u017fcore":3}', t)).toEqual({ Kind: 'k', Score: 3 });
  });

  test('null anywhere is the zero value', () => {
    expect(goUnmarshal('null', T)).toEqual({ Name: '', Score: 0, Tags: [], Sub: { Value: 0 }, ByKey: new Map() });
    const v = goUnmarshal('{"Name":null,"Score":null,"Tags":[null,"y"],"Sub":null,"ByKey":{"k":null}}', T);
    expect(v).toEqual({ Name: '', Score: 0, Tags: ['', 'y'], Sub: { Value: 0 }, ByKey: new Map([['k', { V: 0 }]]) });
  });

  test('null sets slices and maps to nil but leaves other fields as an earlier key set them', () => {
    const v = goUnmarshal('{"Score":9.8,"score":null,"Name":"a","NAME":null,"Tags":["x"],"tags":null,"Sub":{"Value":1},"sub":null}', T);
    expect(v).toMatchObject({ Score: Math.fround(9.8), Name: 'a', Tags: [], Sub: { Value: 1 } });
  });

  test.each([
    ['{"Score":"9.8"}', /cannot unmarshal string "9\.8" into Score of Go type float32/],
    ['{"Score":true}', /cannot unmarshal boolean into Score of Go type float32/],
    ['{"Score":1e39}', /cannot unmarshal number 1e\+39 into Score of Go type float32/],
    ['{"Name":7}', /cannot unmarshal number 7 into Name of Go type string/],
    ['{"Tags":{"a":"b"}}', /cannot unmarshal object into Tags of Go type \[\]string/],
    ['{"Tags":["a",3]}', /into Tags\[1\] of Go type string/],
    ['{"Sub":[1]}', /cannot unmarshal array into Sub of Go type Sub/],
    ['{"ByKey":{"x":{"V":"1"}}}', /into ByKey\["x"\]\.V of Go type float32/],
    ['[1]', /cannot unmarshal array into the report of Go type T/],
    ['"x"', /cannot unmarshal string "x" into the report/],
    ['', /unexpected end of JSON input/],
    ['{"Name":"a"', /JSON/],
    ['{} {}', /JSON/],
  ])('%s is an error', (text, message) => {
    expect(() => goUnmarshal(text, T)).toThrow(GoJsonError);
    expect(() => goUnmarshal(text, T)).toThrow(message);
  });

  test('a lone surrogate escape decodes to U+FFFD, as Go', () => {
    expect(goDecode('a\ud800b', goString)).toBe('a\ufffdb');
  });
});

describe('Go json encoding', () => {
  test('strings: HTML characters and line separators escaped, lone surrogates replaced', () => {
    expect(goJsonString('a<b>&c\u2028\u2029"\\\n\t\u0001')).toBe('"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\"\\\\\\n\\t\\u0001"');
    expect(goJsonString('x\udc00')).toBe('"x\ufffd"');
  });

  test('float32: shortest round-trip decimal, Go exponent thresholds', () => {
    expect(goJsonFloat32(7.8)).toBe('7.8');
    expect(goJsonFloat32(Math.fround(7.8))).toBe('7.8');
    expect(goJsonFloat32(10)).toBe('10');
    expect(goJsonFloat32(0)).toBe('0');
    expect(goJsonFloat32(-0)).toBe('-0');
    expect(goJsonFloat32(0.1)).toBe('0.1');
    expect(goJsonFloat32(62.5)).toBe('62.5');
    expect(goJsonFloat32(1 / 3)).toBe('0.33333334');
    expect(goJsonFloat32(1e-7)).toBe('1e-7');
    expect(goJsonFloat32(1e21)).toBe('1e+21');
    expect(goJsonFloat32(123456789)).toBe('123456790');
  });
});

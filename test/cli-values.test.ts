import { formatGoDurationNs, parseGoDuration, parseGoDurationNs } from '../src/gocompat/duration';
import { splitShellWords } from '../src/gocompat/shellwords';
import { parseGoBool, parseGoFloat, parseGoInt } from '../src/gocompat/strconv';

const NS = 1n;
const US = 1000n;
const MS = 1000n * US;
const S = 1000n * MS;
const M = 60n * S;
const H = 60n * M;

describe('Go time.ParseDuration (cases from Go time_test.go)', () => {
  test.each<[string, bigint]>([
    ['0', 0n],
    ['5s', 5n * S],
    ['30s', 30n * S],
    ['1478s', 1478n * S],
    ['-5s', -5n * S],
    ['+5s', 5n * S],
    ['-0', 0n],
    ['+0', 0n],
    ['5.0s', 5n * S],
    ['5.6s', 5n * S + 600n * MS],
    ['5.s', 5n * S],
    ['.5s', 500n * MS],
    ['1.0s', S],
    ['1.00s', S],
    ['1.004s', S + 4n * MS],
    ['1.0040s', S + 4n * MS],
    ['100.00100s', 100n * S + MS],
    ['10ns', 10n * NS],
    ['11us', 11n * US],
    ['12µs', 12n * US],
    ['12μs', 12n * US],
    ['13ms', 13n * MS],
    ['14s', 14n * S],
    ['15m', 15n * M],
    ['16h', 16n * H],
    ['3h30m', 3n * H + 30n * M],
    ['10.5s4m', 4n * M + 10n * S + 500n * MS],
    ['-2m3.4s', -(2n * M + 3n * S + 400n * MS)],
    ['1h2m3s4ms5us6ns', H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n * NS],
    ['39h9m14.425s', 39n * H + 9n * M + 14n * S + 425n * MS],
    ['52763797000ns', 52763797000n * NS],
    ['0.3333333333333333333h', 20n * M],
    ['9007199254740993ns', (1n << 53n) + 1n],
    ['9223372036854775807ns', (1n << 63n) - 1n],
    ['9223372036854775.807us', (1n << 63n) - 1n],
    ['9223372036s854ms775us807ns', (1n << 63n) - 1n],
    ['-9223372036854775808ns', -(1n << 63n)],
    ['-9223372036854775.808us', -(1n << 63n)],
    ['-9223372036s854ms775us808ns', -(1n << 63n)],
    ['-2562047h47m16.854775808s', -(1n << 63n)],
    ['0.100000000000000000000h', 6n * M],
    ['0.830103483285477580700h', 49n * M + 48n * S + 372539827n * NS],
  ])('%s', (s, want) => {
    expect(parseGoDurationNs(s)).toBe(want);
  });

  test.each([
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1.5.s', 'time: missing unit in duration "1.5.s"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
  ])('error %j', (s, msg) => {
    expect(() => parseGoDurationNs(s)).toThrow(msg);
  });

  test('milliseconds', () => {
    expect(parseGoDuration('5m')).toBe(300_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('250us')).toBe(0.25);
  });

  test.each<[bigint, string]>([
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2200n * US, '2.2ms'],
    [3300n * MS, '3.3s'],
    [4n * M + 5n * S, '4m5s'],
    [4n * M + 5001n * MS, '4m5.001s'],
    [5n * H + 6n * M + 7001n * MS, '5h6m7.001s'],
    [8n * M + 1n, '8m0.000000001s'],
    [10n * M, '10m0s'],
    [-(1n << 63n), '-2562047h47m16.854775808s'],
    [(1n << 63n) - 1n, '2562047h47m16.854775807s'],
  ])('String(%s) = %s', (d, s) => {
    expect(formatGoDurationNs(d)).toBe(s);
  });
});

describe('strconv', () => {
  test('ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(f)).toBe(false);
    for (const x of ['', 'yes', 'tRUE', ' true', '2']) expect(parseGoBool(x)).toBeUndefined();
  });
  test.each<[string, number | string]>([
    ['0', 0], ['12', 12], ['-12', -12], ['+7', 7], ['0x1F', 31], ['0o17', 15], ['017', 15], ['0b101', 5],
    ['1_000', 1000], ['0x_1f', 31], ['0_7', 7], ['9223372036854775807', 9223372036854775807],
    ['', 'parse error'], ['08', 'parse error'], ['1_', 'parse error'], ['_1', 'parse error'], ['1__0', 'parse error'],
    ['0x', 'parse error'], ['1.0', 'parse error'], [' 1', 'parse error'],
    ['9223372036854775808', 'value out of range'], ['-9223372036854775809', 'value out of range'],
  ])('ParseInt(%j, 0, 64)', (s, want) => {
    const r = parseGoInt(s);
    expect('value' in r ? r.value : r.error).toBe(want);
  });
  test.each<[string, number | string]>([
    ['0', 0], ['7.5', 7.5], ['.5', 0.5], ['5.', 5], ['1e1', 10], ['-1E-1', -0.1], ['1_0.5', 10.5], ['0x1p-2', 0.25], ['0x1.8p1', 3],
    ['Inf', Infinity], ['-inf', -Infinity], ['+Infinity', Infinity],
    ['', 'parse error'], ['abc', 'parse error'], ['1e', 'parse error'], ['0x1', 'parse error'], ['1e400', 'value out of range'],
  ])('ParseFloat(%j, 64)', (s, want) => {
    const r = parseGoFloat(s);
    expect('value' in r ? r.value : r.error).toBe(want);
  });
  test('ParseFloat nan', () => {
    const r = parseGoFloat('NaN');
    expect('value' in r && Number.isNaN(r.value)).toBe(true);
  });
});

describe('shellwords (buildkite SplitPosix cases)', () => {
  test.each<[string, string[]]>([
    ['simple --string "quoted"', ['simple', '--string', 'quoted']],
    [`\\\\\\""quoted" llamas 'test\\''`, ['\\"quoted', 'llamas', "test'"]],
    [`/usr/bin/bash -e -c "llamas are the \\"best\\" && echo 'alpacas'"`, ['/usr/bin/bash', '-e', '-c', `llamas are the "best" && echo 'alpacas'`]],
    [`"/bin"/ba'sh' -c echo\\ \\\\\\\\"fo real"`, ['/bin/bash', '-c', 'echo \\\\fo real']],
    [`echo 'abc'\\''abc'`, ['echo', "abc'abc"]],
    [`echo "abc"\\""abc"`, ['echo', 'abc"abc']],
    ['trivy image -f json', ['trivy', 'image', '-f', 'json']],
    ['  a\t\tb\nc  ', ['a', 'b', 'c']],
    ['a "" b', ['a', '', 'b']],
    ['', []],
    ['trailing\\', ['trailing']],
  ])('%j', (line, words) => {
    expect(splitShellWords(line)).toEqual(words);
  });
  test('unterminated quote', () => {
    expect(() => splitShellWords('trivy "image')).toThrow('expected closing quote " for the quote at offset 6, got end of input');
    expect(() => splitShellWords("a 'b\\'")).toThrow("expected closing quote '");
  });
});

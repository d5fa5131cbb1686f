import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../src/util/errors';
import { applyPolicy, buildPolicy, formatImageCheckError } from '../src/vuln/policy';
import { formatBadEntry, formatCveEntry, goFormatFloat32, parseCveEntry } from '../src/vuln/format';
import { parseTrivyReport, trivyScore } from '../src/vuln/trivy';
import { formatGoDuration } from '../src/gocompat/duration';

const FIX = path.join(__dirname, 'fixtures', 'vuln', 'trivy');
const fixture = (name: string) => parseTrivyReport(fs.readFileSync(path.join(FIX, `${name}.json`), 'utf8'), name);
const IMG = '127.0.0.1:5000/test/app@sha256:1111111111111111111111111111111111111111111111111111111111111111';

describe('trivy scores (fixtures, the Go rule)', () => {
  test('mixed.json gives the README scores', () => {
    const scores = Object.fromEntries(fixture('mixed').map((v) => [v.id, v.score]));
    expect(scores).toEqual({
      'CVE-2023-4911': 7.8,
      'CVE-2023-44487': 7.5,
      'CVE-2011-3374': 3.7, // V3 present beats the higher V2
      'CVE-2005-2541': 10, // V2 only
      'TEMP-0841856-B18BAF': 0, // no CVSS
      'GHSA-3h5v-q93c-6h6q': 7.5,
    });
  });

  test('null/missing Results and Vulnerabilities give no findings', () => {
    expect(fixture('clean')).toEqual([]);
    expect(fixture('no-results')).toEqual([]);
    expect(parseTrivyReport('{"Results":null}', 'x')).toEqual([]);
    expect(parseTrivyReport('{"Results":[null,{"Vulnerabilities":[]}]}', 'x')).toEqual([]);
  });

  test('duplicates keep the highest score once; V3 of 0 falls back to V2; CVSS null is 0', () => {
    expect(fixture('dupes')).toEqual([
      { id: 'CVE-2023-5363', score: 9.1, description: 'openssl: incorrect cipher key and IV length processing' },
      { id: 'CVE-2023-6129', score: 0 },
      { id: 'CVE-2024-0727', score: 5.5 },
    ]);
  });

  test('trivyScore: highest over sources, V3 when non-zero else V2', () => {
    expect(trivyScore({ a: { V3Score: 5, V2Score: 9 }, b: { V2Score: 6 } })).toBe(6);
    expect(trivyScore({ a: { V3Score: 0, V2Score: 4 } })).toBe(4);
    expect(trivyScore({ a: { V3Score: 'x' } })).toBe(0);
    expect(trivyScore(undefined)).toBe(0);
  });
});

describe('Go number formats', () => {
  test('%f of a float32: 6 decimals', () => {
    expect(formatCveEntry('CVE-2023-4911', 7.8)).toBe('CVE-2023-4911:7.800000');
    expect(formatCveEntry('CVE-2005-2541', 10)).toBe('CVE-2005-2541:10.000000');
    expect(formatCveEntry('TEMP-1', 0)).toBe('TEMP-1:0.000000');
    // a Grafeas float arrives as its float32 value
    expect(formatCveEntry('X', 7.800000190734863)).toBe('X:7.800000');
  });

  test('%.2f; ties round half to even on the exact float32 value, as strconv does', () => {
    expect(formatBadEntry('CVE-a', 9.8)).toBe('CVE-a(9.80)');
    expect(goFormatFloat32(0.125, 2)).toBe('0.12'); // exact tie → even (JS toFixed says 0.13)
    expect(goFormatFloat32(0.375, 2)).toBe('0.38');
    expect(goFormatFloat32(1 / 128, 6)).toBe('0.007812');
    expect(goFormatFloat32(2.675, 2)).toBe('2.67'); // float32(2.675) = 2.67499995…
    expect(goFormatFloat32(9.95, 1)).toBe('9.9'); // float32(9.95) = 9.94999980…
    expect(goFormatFloat32(99.999, 2)).toBe('100.00');
    expect(goFormatFloat32(-0.001, 2)).toBe('-0.00');
  });

  test('parseCveEntry inverts formatCveEntry', () => {
    expect(parseCveEntry('CVE-2023-4911:7.800000')).toEqual({ id: 'CVE-2023-4911', score: 7.8 });
    expect(parseCveEntry('nonsense')).toBeUndefined();
  });

  test('Go durations', () => {
    expect(formatGoDuration(30_000)).toBe('30s');
    expect(formatGoDuration(300)).toBe('300ms');
    expect(formatGoDuration(600_000)).toBe('10m0s');
    expect(formatGoDuration(90_500)).toBe('1m30.5s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
  });
});

describe('applyPolicy (VulnChecker.Check)', () => {
  const vulns = () => fixture('mixed');

  test('bad = over max and not ignored; ignored = over max and listed; found = at or under max', () => {
    const r = applyPolicy(IMG, vulns(), buildPolicy(7.5, ['CVE-2005-2541', 'CVE-2011-3374'], ''));
    expect(r.bad.map((v) => v.id)).toEqual(['CVE-2023-4911']);
    expect(r.ignored).toEqual(['CVE-2005-2541:10.000000']);
    // CVE-2011-3374 is on the ignore list but under the max: the Go tool records it as found
    expect(r.found).toEqual([
      'CVE-2023-44487:7.500000',
      'CVE-2011-3374:3.700000',
      'TEMP-0841856-B18BAF:0.000000',
      'GHSA-3h5v-q93c-6h6q:7.500000',
    ]);
    expect(r.failure).toBe(`image ${IMG} has 1 CVEs with score > 7.50: CVE-2023-4911(7.80)`);
    expect(r.skipped).toBe(false);
    expect(r.all).toHaveLength(6);
  });

  test('the failure lists entries sort.Strings-ed, comma separated, max as %.2f', () => {
    const r = applyPolicy(IMG, vulns(), buildPolicy(3.7, [], ''));
    expect(r.failure).toBe(`image ${IMG} has 4 CVEs with score > 3.70: CVE-2005-2541(10.00),CVE-2023-44487(7.50),CVE-2023-4911(7.80),GHSA-3h5v-q93c-6h6q(7.50)`);
    expect(r.found).toEqual(['CVE-2011-3374:3.700000', 'TEMP-0841856-B18BAF:0.000000']);
  });

  test('score equal to the max passes (strictly greater fails), compared as float32', () => {
    const r = applyPolicy(IMG, [{ id: 'G', score: Math.fround(7.8) }], buildPolicy(7.8, [], ''));
    expect(r.bad).toEqual([]);
    expect(r.found).toEqual(['G:7.800000']);
  });

  test('max CVSS 0 disables: nothing recorded, skipped', () => {
    const r = applyPolicy(IMG, vulns(), buildPolicy(0, [], ''));
    expect(r).toMatchObject({ found: [], ignored: [], bad: [], failure: undefined, skipped: true });
  });

  test('no vulnerabilities: pass with empty lists', () => {
    expect(applyPolicy(IMG, [], buildPolicy(5, [], ''))).toMatchObject({ found: [], ignored: [], bad: [], failure: undefined, skipped: false });
  });

  test('duplicate ids are merged keeping the highest score', () => {
    const r = applyPolicy(IMG, [{ id: 'A', score: 3 }, { id: 'A', score: 9 }, { id: 'A', score: 5 }], buildPolicy(7, [], ''));
    expect(r.failure).toBe(`image ${IMG} has 1 CVEs with score > 7.00: A(9.00)`);
    expect(r.found).toEqual([]);
  });

  test('formatImageCheckError sorts by string (byte order), not by score', () => {
    expect(formatImageCheckError('i', 1, [{ id: 'b', score: 2 }, { id: 'B', score: 9 }, { id: 'a', score: 5 }])).toBe('image i has 3 CVEs with score > 1.00: B(9.00),a(5.00),b(2.00)');
  });
});

describe('buildPolicy', () => {
  test('trims and drops empty CVE entries; compiles RE2 image regexps', () => {
    const p = buildPolicy(7, [' CVE-1 ', '', 'CVE-2'], '^gcr\\.io/');
    expect([...p.ignoreCves]).toEqual(['CVE-1', 'CVE-2']);
    expect(p.ignoreImages?.test('gcr.io/x@sha256:1')).toBe(true);
    expect(buildPolicy(7, [], '').ignoreImages).toBeUndefined();
  });

  test('bad regexp and negative max are usage errors', () => {
    expect(() => buildPolicy(7, [], '(')).toThrow(UsageError);
    expect(() => buildPolicy(-1, [], '')).toThrow(/max-cvss/);
  });
});

/** Scanner reports as upstream reads them: the score each fixture yields, in both formats, and malformed reports. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScannerReport, ReportFormatError, type VulnFormat } from '../src/vuln/reports';

const FIX = path.join(__dirname, 'fixtures', 'vuln');
const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');
const scores = (text: string, format: VulnFormat) => parseScannerReport(text, format).map((v) => [v.id, v.score, v.risk]);

describe('trivy-json', () => {
  test('mixed.json: highest source, V3 when non-zero else V2; no CVSS scores 5.0; in the scanner\'s order', () => {
    expect(scores(read('trivy/mixed.json'), 'trivy-json')).toEqual([
      ['CVE-2023-4911', Math.fround(7.8), 0],
      ['CVE-2023-44487', 7.5, 0],
      ['CVE-2011-3374', Math.fround(3.7), 0], // V3 present beats the higher V2
      ['CVE-2005-2541', 10, 0], // V2 only
      ['TEMP-0841856-B18BAF', 5, 0], // no CVSS data: 5.0, as upstream
      ['GHSA-3h5v-q93c-6h6q', 7.5, 0],
    ]);
  });

  test('dupes.json: one CVE in two packages keeps the highest; CVSS null scores 5.0; V3 0 falls back to V2', () => {
    expect(scores(read('trivy/dupes.json'), 'trivy-json')).toEqual([
      ['CVE-2023-5363', Math.fround(9.1), 0],
      ['CVE-2023-6129', 5, 0],
      ['CVE-2024-0727', 5.5, 0],
    ]);
  });

  test('clean, no Results, null Results/Vulnerabilities, a bare null: no CVEs', () => {
    for (const text of [read('trivy/clean.json'), read('trivy/no-results.json'), '{"Results":null}', '{"Results":[null,{"Vulnerabilities":null}]}', 'null', ' null\n']) {
      expect(parseScannerReport(text, 'trivy-json')).toEqual([]);
    }
  });

  test('keys match case-insensitively, as encoding/json', () => {
    const text = '{"results":[{"VULNERABILITIES":[{"vulnerabilityid":"CVE-1","cvss":{"nvd":{"v3score":8.1}}}]}]}';
    expect(scores(text, 'trivy-json')).toEqual([['CVE-1', Math.fround(8.1), 0]]);
  });

  test('an empty CVSS object and a null source', () => {
    expect(scores('{"Results":[{"Vulnerabilities":[{"VulnerabilityID":"A","CVSS":{}},{"VulnerabilityID":"B","CVSS":{"nvd":null}}]}]}', 'trivy-json')).toEqual([
      ['A', 5, 0],
      ['B', 0, 0], // one source, all zero
    ]);
  });
});

describe('grype-json', () => {
  test('mixed.json: highest cvss[].metrics.baseScore, risk, longest description; no cvss scores 5.0', () => {
    const vulns = parseScannerReport(read('grype/mixed.json'), 'grype-json');
    expect(vulns.map((v) => [v.id, v.score, v.risk])).toEqual([
      ['CVE-2023-4911', Math.fround(7.8), 62.5],
      ['CVE-2023-44487', 7.5, 8.5], // two matches: highest score, highest risk, at the first one's place
      ['CVE-2005-2541', 5, 0.5], // cvss: []
      ['GHSA-3h5v-q93c-6h6q', 5, 0], // cvss missing
      ['CVE-2011-3374', Math.fround(4.3), Math.fround(0.1)], // highest over all entries
      ['CVE-2024-0001', 0, 0],
    ]);
    expect(vulns.find((v) => v.id === 'CVE-2023-44487')?.description).toMatch(/^The HTTP\/2 protocol allows/); // the longer one
    expect(vulns.find((v) => v.id === 'CVE-2023-4911')?.description).toMatch(/GLIBC_TUNABLES/);
  });

  test('clean report and bare null: no CVEs', () => {
    expect(parseScannerReport(read('grype/clean.json'), 'grype-json')).toEqual([]);
    expect(parseScannerReport('null', 'grype-json')).toEqual([]);
    expect(parseScannerReport('{"matches":null}', 'grype-json')).toEqual([]);
  });

  test('duplicates: equal-length descriptions keep the later one; lengths count UTF-8 bytes', () => {
    const m = (desc: string, score: number) => ({ vulnerability: { id: 'X', description: desc, cvss: [{ metrics: { baseScore: score } }] } });
    expect(parseScannerReport(JSON.stringify({ matches: [m('aa', 1), m('bb', 2)] }), 'grype-json')[0]?.description).toBe('bb');
    expect(parseScannerReport(JSON.stringify({ matches: [m('é', 1), m('ab', 2)] }), 'grype-json')[0]?.description).toBe('ab'); // 2 bytes each
    expect(parseScannerReport(JSON.stringify({ matches: [m('éé', 1), m('abc', 2)] }), 'grype-json')[0]?.description).toBe('éé'); // 4 > 3
  });

  test('a negative score or risk merges up to 0, as Go starts from the zero CVE', () => {
    expect(scores('{"matches":[{"vulnerability":{"id":"N","cvss":[{"metrics":{"baseScore":-1}}],"risk":-2}}]}', 'grype-json')).toEqual([['N', 0, 0]]);
  });
});

describe('malformed reports fail, never pass', () => {
  test.each([
    ['trivy-string-score.json', 'trivy-json', /cannot unmarshal string "9\.8" into Results\[0\]\.Vulnerabilities\[0\]\.CVSS\["nvd"\]\.V3Score of Go type float32/],
    ['trivy-results-object.json', 'trivy-json', /cannot unmarshal object into Results of Go type \[\]Result/],
    ['trivy-truncated.json', 'trivy-json', /JSON/],
    ['trivy-vulns-string.json', 'trivy-json', /cannot unmarshal string "CVE-2024-9999" into Results\[0\]\.Vulnerabilities/],
    ['trivy-top-array.json', 'trivy-json', /cannot unmarshal array into the report of Go type trivyJSONReport/],
    ['trivy-trailing.json', 'trivy-json', /JSON/],
    ['grype-string-score.json', 'grype-json', /cannot unmarshal string "9\.8" into Matches\[0\]\.Vulnerability\.CVSS\[0\]\.Metrics\.BaseScore of Go type float32/],
    ['grype-matches-object.json', 'grype-json', /cannot unmarshal object into Matches of Go type \[\]Match/],
    ['grype-string-risk.json', 'grype-json', /into Matches\[0\]\.Vulnerability\.Risk of Go type float32/],
    ['grype-overflow.json', 'grype-json', /cannot unmarshal number 1e\+39/],
  ] as const)('%s (%s)', (file, format, message) => {
    const text = read(`malformed/${file}`);
    expect(() => parseScannerReport(text, format)).toThrow(ReportFormatError);
    expect(() => parseScannerReport(text, format)).toThrow(message);
  });

  test('deep nesting is refused without a stack overflow', () => {
    const deep = (n: number) => `{"Results":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(() => parseScannerReport(deep(200_000), 'trivy-json')).toThrow(/cannot unmarshal array into Results\[0\] of Go type Result/);
  });

  test('a later null does not erase an earlier score (Go: null has no effect on a number)', () => {
    const text = '{"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","CVSS":{"nvd":{"V3Score":9.8,"v3score":null}}}]}]}';
    expect(scores(text, 'trivy-json')).toEqual([['CVE-1', Math.fround(9.8), 0]]);
  });

  test('empty output is an error', () => {
    expect(() => parseScannerReport('', 'trivy-json')).toThrow(/unexpected end of JSON input/);
    expect(() => parseScannerReport('  \n', 'grype-json')).toThrow(/unexpected end of JSON input/);
  });

  test('a report of the other format, or an object of neither, fails (Go would pass it with no CVEs)', () => {
    expect(() => parseScannerReport(read('grype/mixed.json'), 'trivy-json')).toThrow(/no "results" or "schemaversion" key, so it is not trivy-json; it looks like grype-json: set -vulncheck-format grype-json/);
    expect(() => parseScannerReport(read('trivy/mixed.json'), 'grype-json')).toThrow(/it looks like trivy-json: set -vulncheck-format trivy-json/);
    expect(() => parseScannerReport('{}', 'grype-json')).toThrow(/no "matches" key, so it is not grype-json$/);
    expect(() => parseScannerReport('{"error":"db not found"}', 'trivy-json')).toThrow(ReportFormatError);
  });
});

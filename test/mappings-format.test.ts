/** Both generations' mappings JSON: read either, write either byte for byte as Go's json.Marshal. */
import { emptyMappings, parseMappings, serializeMappings, type Mappings } from '../src/mappings/format';
import { UsageError } from '../src/util/errors';

const D = (c: string) => `sha256:${c.repeat(64)}`;

// As the seed-era Go tool writes them: omitempty CVE lists, "%s:%f" entries.
const SEED =
  `{"nginx:1.25":{"tag":"r.example/nginx:${'a'.repeat(64)}","digest":"${D('a')}","ignoredCVEs":["CVE-2005-2541:10.000000"],"foundCVEs":["CVE-2023-44487:7.500000","TEMP-1:5.000000"]},` +
  `"quay.io/app:2":{"tag":"r.example/app:${'b'.repeat(64)}","digest":"${D('b')}"}}`;

// As upstream writes them: vulncheckResult always present, nil slices as null, float32 shortest, HTML escaped.
const UPSTREAM =
  `{"nginx:1.25":{"tag":"r.example/nginx:${'a'.repeat(64)}","digest":"${D('a')}","vulncheckResult":{"Ignored":[{"ID":"CVE-2005-2541","CVSS":5,"Risk":0.5,"Desc":"Tar \\u003c1.15 \\u0026 setuid"}],` +
  `"Accepted":[{"ID":"CVE-2011-3374","CVSS":4.3,"Risk":0.1,"Desc":"apt-key"},{"ID":"CVE-2023-44487","CVSS":7.5,"Risk":8.5,"Desc":""}],` +
  `"Rejected":[{"ID":"CVE-2023-4911","CVSS":7.8,"Risk":62.5,"Desc":"glibc","Reason":"CVE risk/score is above request thresholds"}]}},` +
  `"quay.io/app:2":{"tag":"r.example/app:${'b'.repeat(64)}","digest":"${D('b')}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}}}`;

describe('round trips', () => {
  test('seed: parse then write gives the same bytes', () => {
    expect(serializeMappings(parseMappings(SEED, 'seed.json'), 'seed')).toBe(SEED);
  });

  test('upstream: parse then write gives the same bytes', () => {
    expect(serializeMappings(parseMappings(UPSTREAM, 'up.json'), 'upstream')).toBe(UPSTREAM);
  });

  test('upstream read, seed written: Accepted → foundCVEs, Ignored → ignoredCVEs, as "%s:%f"', () => {
    const m = parseMappings(UPSTREAM, 'up.json');
    expect(JSON.parse(serializeMappings(m, 'seed'))).toEqual({
      'nginx:1.25': { tag: `r.example/nginx:${'a'.repeat(64)}`, digest: D('a'), ignoredCVEs: ['CVE-2005-2541:5.000000'], foundCVEs: ['CVE-2011-3374:4.300000', 'CVE-2023-44487:7.500000'] },
      'quay.io/app:2': { tag: `r.example/app:${'b'.repeat(64)}`, digest: D('b') },
    });
  });

  test('seed read, upstream written: scores from the entries, no risk or description', () => {
    const out = JSON.parse(serializeMappings(parseMappings(SEED, 'seed.json'), 'upstream')) as Record<string, { vulncheckResult: unknown }>;
    expect(out['nginx:1.25']?.vulncheckResult).toEqual({
      Ignored: [{ ID: 'CVE-2005-2541', CVSS: 10, Risk: 0, Desc: '' }],
      Accepted: [{ ID: 'CVE-2023-44487', CVSS: 7.5, Risk: 0, Desc: '' }, { ID: 'TEMP-1', CVSS: 5, Risk: 0, Desc: '' }],
      Rejected: null,
    });
  });

  test('an odd seed entry survives a seed round trip unchanged', () => {
    const text = `{"a:1":{"tag":"b:1","digest":"${D('c')}","foundCVEs":["no-score-here","X:1e400"]}}`;
    expect(serializeMappings(parseMappings(text, 'f'), 'seed')).toBe(text);
  });
});

describe('reading like encoding/json', () => {
  test('field names match case-insensitively; unknown fields are ignored; null lists are empty', () => {
    const text = `{"a:1":{"Tag":"b:1","DIGEST":"${D('c')}","VulnCheckResult":{"accepted":[{"id":"CVE-1","cvss":3,"risk":null,"desc":"d"}],"Rejected":null},"extra":{"x":1}}}`;
    const m = parseMappings(text, 'f');
    expect(m['a:1']).toEqual({ tag: 'b:1', digest: D('c'), vulncheck: { ignored: [], accepted: [{ id: 'CVE-1', score: 3, risk: 0, description: 'd' }], rejected: [] } });
  });

  test('wrong types are errors naming the file, the mapping and the field', () => {
    const bad = (entry: string) => () => parseMappings(`{"a:1":{"tag":"b:1","digest":"${D('c')}",${entry}}}`, 'm.json');
    expect(bad('"vulncheckResult":{"Accepted":[{"ID":"CVE-1","CVSS":"7.5"}]}')).toThrow(UsageError);
    expect(bad('"vulncheckResult":{"Accepted":[{"ID":"CVE-1","CVSS":"7.5"}]}')).toThrow(/^m\.json: mapping "a:1": cannot unmarshal string "7\.5" into vulncheckResult\.Accepted\[0\]\.CVSS of Go type float32$/);
    expect(bad('"foundCVEs":"CVE-1:1.0"')).toThrow(/cannot unmarshal string "CVE-1:1.0" into foundCVEs of Go type \[\]string/);
    expect(() => parseMappings(`{"a:1":{"tag":7,"digest":"${D('c')}"}}`, 'm.json')).toThrow(/into tag of Go type string/);
    expect(() => parseMappings('{"a:1":{"tag":"b:1","digest":"md5:x"}}', 'm.json')).toThrow(/"digest" must look like sha256/);
    expect(() => parseMappings('{"a:1":{"digest":"x"}}', 'm.json')).toThrow(/"tag" must be a non-empty string/);
    expect(() => parseMappings('[]', 'm.json')).toThrow(/must be a JSON object/);
    expect(() => parseMappings('{"a:1":', 'm.json')).toThrow(/not valid JSON/);
  });

  test('keys such as __proto__ and constructor are plain keys', () => {
    const text = `{"__proto__":{"tag":"x:1","digest":"${D('d')}"},"constructor":{"tag":"y:1","digest":"${D('e')}"}}`;
    const m = parseMappings(text, 'f');
    expect(Object.keys(m).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(m)).toBeNull();
    expect(serializeMappings(m, 'seed')).toBe(text);
  });
});

describe('writing like json.Marshal', () => {
  test('keys sorted; an entry without a check has no CVE fields (seed) or three nulls (upstream)', () => {
    const m: Mappings = emptyMappings();
    m['z:1'] = { tag: 'r/z:1', digest: D('1') };
    m['a:1'] = { tag: 'r/a:1', digest: D('2') };
    expect(serializeMappings(m, 'seed')).toBe(`{"a:1":{"tag":"r/a:1","digest":"${D('2')}"},"z:1":{"tag":"r/z:1","digest":"${D('1')}"}}`);
    expect(serializeMappings(m, 'upstream')).toBe(
      `{"a:1":{"tag":"r/a:1","digest":"${D('2')}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}},"z:1":{"tag":"r/z:1","digest":"${D('1')}","vulncheckResult":{"Ignored":null,"Accepted":null,"Rejected":null}}}`,
    );
  });

  test('lists keep the scanner\'s order in the seed format and are sorted by id in upstream\'s', () => {
    const m: Mappings = emptyMappings();
    const c = (id: string) => ({ id, score: 1, risk: 0, description: '' });
    m['a:1'] = { tag: 'b:1', digest: D('5'), vulncheck: { ignored: [], accepted: [c('CVE-2023-4911'), c('CVE-2023-44487'), c('CVE-2005-2541')], rejected: [] } };
    expect(serializeMappings(m, 'seed')).toContain('"foundCVEs":["CVE-2023-4911:1.000000","CVE-2023-44487:1.000000","CVE-2005-2541:1.000000"]');
    const up = JSON.parse(serializeMappings(m, 'upstream')) as Record<string, { vulncheckResult: { Accepted: Array<{ ID: string }> } }>;
    expect(up['a:1']?.vulncheckResult.Accepted.map((x) => x.ID)).toEqual(['CVE-2005-2541', 'CVE-2023-44487', 'CVE-2023-4911']);
  });

  test('float32 scores print as Go prints float32, not as the double', () => {
    const m: Mappings = emptyMappings();
    m['a:1'] = { tag: 'b:1', digest: D('3'), vulncheck: { ignored: [], accepted: [{ id: 'G', score: 7.800000190734863, risk: 1 / 3, description: '' }], rejected: [] } };
    expect(serializeMappings(m, 'upstream')).toContain('{"ID":"G","CVSS":7.8,"Risk":0.33333334,"Desc":""}');
    expect(serializeMappings(m, 'seed')).toContain('"foundCVEs":["G:7.800000"]');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../src/util/errors';
import { applyPolicy, buildPolicy, formatImageCheckError, overLimit, policyDisabled, type PolicySettings } from '../src/vuln/policy';
import { formatBadEntry, goFormatFloat32 } from '../src/vuln/format';
import { allIgnoredCves, isIgnored, parseIgnoreSpec } from '../src/vuln/ignore';
import { parseScannerReport } from '../src/vuln/reports';
import { unusedIgnores } from '../src/vuln';
import type { Vulnerability } from '../src/vuln/types';
import { formatGoDuration } from '../src/gocompat/duration';

const FIX = path.join(__dirname, 'fixtures', 'vuln');
const trivy = (name: string) => parseScannerReport(fs.readFileSync(path.join(FIX, 'trivy', `${name}.json`), 'utf8'), 'trivy-json');
const grype = (name: string) => parseScannerReport(fs.readFileSync(path.join(FIX, 'grype', `${name}.json`), 'utf8'), 'grype-json');
const IMG = '127.0.0.1:5000/test/app@sha256:1111111111111111111111111111111111111111111111111111111111111111';
const v = (id: string, score: number, risk = 0): Vulnerability => ({ id, score, risk, description: '' });
const policy = (over: Partial<PolicySettings> = {}) => buildPolicy({ vulncheckMaxCvss: 0, vulncheckMaxRisk: 0, vulncheckIgnoreCveList: [], vulncheckIgnoreImages: '', ...over });
const ids = (l: readonly Vulnerability[]) => l.map((x) => x.id);

describe('Go number formats', () => {
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

  test('Go durations', () => {
    expect(formatGoDuration(30_000)).toBe('30s');
    expect(formatGoDuration(600_000)).toBe('10m0s');
    expect(formatGoDuration(720 * 3_600_000)).toBe('720h0m0s');
  });
});

describe('applyPolicy (upstream VulnChecker.Check)', () => {
  test('trivy mixed.json at max 7.5: rejected = over and not ignored; ignored = over and listed; accepted = the rest', () => {
    const r = applyPolicy(IMG, trivy('mixed'), policy({ vulncheckMaxCvss: 7.5, vulncheckIgnoreCveList: ['CVE-2005-2541,CVE-2011-3374'] }));
    expect(ids(r.rejected)).toEqual(['CVE-2023-4911']);
    expect(ids(r.ignored)).toEqual(['CVE-2005-2541']);
    // CVE-2011-3374 is on the ignore list but within the limit: accepted, as Go records it
    expect(ids(r.accepted)).toEqual(['CVE-2023-44487', 'CVE-2011-3374', 'TEMP-0841856-B18BAF', 'GHSA-3h5v-q93c-6h6q']); // scan order
    expect(r.failure).toBe(`image ${IMG} has 1 CVEs with score > 7.50: CVE-2023-4911(7.80)`);
    expect(r.skipped).toBe(false);
    expect(r.all).toHaveLength(6);
  });

  test('the seed failure: entries sort.Strings-ed, comma separated, max as %.2f; a CVE with no CVSS (5.0) fails a 4.0 gate', () => {
    const r = applyPolicy(IMG, trivy('mixed'), policy({ vulncheckMaxCvss: 4 }));
    expect(r.failure).toBe(
      `image ${IMG} has 5 CVEs with score > 4.00: CVE-2005-2541(10.00),CVE-2023-44487(7.50),CVE-2023-4911(7.80),GHSA-3h5v-q93c-6h6q(7.50),TEMP-0841856-B18BAF(5.00)`,
    );
    expect(ids(r.accepted)).toEqual(['CVE-2011-3374']);
  });

  test('grype mixed.json with a max risk only: the score is not a limit', () => {
    const r = applyPolicy(IMG, grype('mixed'), policy({ vulncheckMaxRisk: 5 }));
    expect(ids(r.rejected)).toEqual(['CVE-2023-4911', 'CVE-2023-44487']);
    expect(r.failure).toBe(`image ${IMG} has 2 CVEs with risk > 5.00: CVE-2023-44487(score 7.50, risk 8.50),CVE-2023-4911(score 7.80, risk 62.50)`);
  });

  test('grype mixed.json with both limits: over either one rejects', () => {
    const r = applyPolicy(IMG, grype('mixed'), policy({ vulncheckMaxCvss: 7.6, vulncheckMaxRisk: 10 }));
    expect(ids(r.rejected)).toEqual(['CVE-2023-4911']); // 7.8 > 7.6 (and risk 62.5 > 10)
    expect(ids(r.accepted)).toEqual(['CVE-2023-44487', 'CVE-2005-2541', 'GHSA-3h5v-q93c-6h6q', 'CVE-2011-3374', 'CVE-2024-0001']);
    const r2 = applyPolicy(IMG, grype('mixed'), policy({ vulncheckMaxCvss: 11, vulncheckMaxRisk: 8 }));
    expect(ids(r2.rejected)).toEqual(['CVE-2023-4911', 'CVE-2023-44487']);
    expect(r2.failure).toMatch(/has 2 CVEs with score > 11\.00 or risk > 8\.00: /);
  });

  test('overLimit is upstream\'s expression, in float32', () => {
    expect(overLimit(v('a', 7.8), { maxCvss: 7.8, maxRisk: 0 })).toBe(false); // equal passes
    expect(overLimit(v('a', Math.fround(7.8)), { maxCvss: 7.8, maxRisk: 0 })).toBe(false);
    expect(overLimit(v('a', 7.81), { maxCvss: 7.8, maxRisk: 0 })).toBe(true);
    expect(overLimit(v('a', 10, 99), { maxCvss: 0, maxRisk: 0 })).toBe(false); // both off
    expect(overLimit(v('a', 10, 2), { maxCvss: 0, maxRisk: 1 })).toBe(true);
    expect(overLimit(v('a', 1, 1), { maxCvss: 0, maxRisk: 1 })).toBe(false);
  });

  test('both limits 0 disable: nothing recorded, skipped', () => {
    expect(policyDisabled(policy())).toBe(true);
    expect(applyPolicy(IMG, trivy('mixed'), policy())).toMatchObject({ accepted: [], ignored: [], rejected: [], failure: undefined, skipped: true });
    expect(policyDisabled(policy({ vulncheckMaxRisk: 1 }))).toBe(false);
  });

  test('no vulnerabilities: pass with empty lists', () => {
    expect(applyPolicy(IMG, [], policy({ vulncheckMaxCvss: 5 }))).toMatchObject({ accepted: [], ignored: [], rejected: [], failure: undefined, skipped: false });
  });

  test('duplicate ids (Grafeas) are merged keeping the highest score', () => {
    const r = applyPolicy(IMG, [v('A', 3), v('A', 9), v('A', 5)], policy({ vulncheckMaxCvss: 7 }));
    expect(r.failure).toBe(`image ${IMG} has 1 CVEs with score > 7.00: A(9.00)`);
  });

  test('formatImageCheckError sorts by string (byte order), not by score', () => {
    expect(formatImageCheckError('i', { maxCvss: 1, maxRisk: 0 }, [v('b', 2), v('B', 9), v('a', 5)])).toBe('image i has 3 CVEs with score > 1.00: B(9.00),a(5.00),b(2.00)');
  });
});

describe('-vulncheck-ignore-cve-list specs', () => {
  const spec = parseIgnoreSpec(['CVE-1, CVE-2', '^127\\.0\\.0\\.1:5000/test/=CVE-3,CVE-4', 'x{1,2}=CVE-5', 'CVE-1']);

  test('plain lists apply to every image; REGEXP= lists only where the regexp matches registry/repository@digest', () => {
    expect(isIgnored(spec, IMG, 'CVE-1')).toBe(true);
    expect(isIgnored(spec, IMG, 'CVE-2')).toBe(true); // trimmed
    expect(isIgnored(spec, IMG, 'CVE-3')).toBe(true);
    expect(isIgnored(spec, 'gcr.io/other@sha256:1', 'CVE-3')).toBe(false);
    expect(isIgnored(spec, 'gcr.io/xx@sha256:1', 'CVE-5')).toBe(true); // the regexp may hold commas
    expect(isIgnored(spec, IMG, 'CVE-9')).toBe(false);
  });

  test('AllCVEs: every CVE named, sorted, once', () => {
    expect(allIgnoredCves(spec)).toEqual(['CVE-1', 'CVE-2', 'CVE-3', 'CVE-4', 'CVE-5']);
  });

  test('an image-scoped ignore ignores only that image\'s CVE', () => {
    const p = policy({ vulncheckMaxCvss: 7, vulncheckIgnoreCveList: ['/team/=CVE-2023-4911'] });
    expect(applyPolicy('r.io/team/a@sha256:1', [v('CVE-2023-4911', 7.8)], p).failure).toBeUndefined();
    expect(applyPolicy('r.io/other/a@sha256:1', [v('CVE-2023-4911', 7.8)], p).failure).toMatch(/CVE-2023-4911\(7\.80\)/);
  });

  test('unused ignores are the listed CVEs that ignored nothing', () => {
    const p = policy({ vulncheckMaxCvss: 7, vulncheckIgnoreCveList: ['CVE-2005-2541,CVE-2011-3374', 'nomatch=CVE-2023-4911'] });
    const r = applyPolicy(IMG, trivy('mixed'), p);
    // CVE-2011-3374 is within the limit (not ignored), CVE-2023-4911's regexp does not match this image
    expect(unusedIgnores(['CVE-2005-2541,CVE-2011-3374', 'nomatch=CVE-2023-4911'], [r])).toEqual(['CVE-2011-3374', 'CVE-2023-4911']);
  });

  test('a bad regexp is a usage error naming the flag and the entry', () => {
    expect(() => parseIgnoreSpec(['(=CVE-1'])).toThrow(UsageError);
    expect(() => parseIgnoreSpec(['(=CVE-1'])).toThrow(/-vulncheck-ignore-cve-list entry "\(=CVE-1"/);
  });
});

describe('buildPolicy', () => {
  test('compiles RE2 image regexps', () => {
    const p = policy({ vulncheckMaxCvss: 7, vulncheckIgnoreImages: '^(?:gcr\\.io|quay\\.io)/' });
    expect(p.ignoreImages?.('gcr.io/x@sha256:1')).toBe(true);
    expect(p.ignoreImages?.('docker.io/x@sha256:1')).toBe(false);
    expect(policy().ignoreImages).toBeUndefined();
  });

  test('bad regexp and negative limits are usage errors', () => {
    expect(() => policy({ vulncheckIgnoreImages: '(' })).toThrow(UsageError);
    expect(() => policy({ vulncheckMaxCvss: -1 })).toThrow(/max-cvss/);
    expect(() => policy({ vulncheckMaxRisk: -1 })).toThrow(/max-risk/);
  });
});

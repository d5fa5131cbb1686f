/**
 * -vulncheck-report-template: upstream's VulnCheckReportData rendered by the Go text/template engine with sprig,
 * checked against golden files (UPDATE_GOLDEN=1 rewrites them; review the diff).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyMappings, serializeMappings, type Mappings } from '../src/mappings/format';
import { UsageError } from '../src/util/errors';
import { applyPolicy, buildPolicy, toVulncheckRecord, unusedIgnores } from '../src/vuln';
import { parseScannerReport } from '../src/vuln/reports';
import { loadReportTemplate, rejections, renderTemplateReport } from '../src/vuln/template-report';

const FIX = path.join(__dirname, 'fixtures', 'vuln');
const REPORT = path.join(FIX, 'report');
const D = (c: string) => `sha256:${c.repeat(64)}`;
const IGNORES = ['CVE-2005-2541', '/team/web@=CVE-2023-4911', 'CVE-2099-0001'];

/** Three images scanned with the grype and trivy fixtures at max CVSS 7.6 / max risk 8, as the stage records them. */
function scenario(): { mappings: Mappings; unused: string[] } {
  const policy = buildPolicy({ vulncheckMaxCvss: 7.6, vulncheckMaxRisk: 8, vulncheckIgnoreCveList: IGNORES, vulncheckIgnoreImages: '' });
  const grype = parseScannerReport(fs.readFileSync(path.join(FIX, 'grype', 'mixed.json'), 'utf8'), 'grype-json');
  const trivy = parseScannerReport(fs.readFileSync(path.join(FIX, 'trivy', 'dupes.json'), 'utf8'), 'trivy-json');
  const images = [
    { original: 'ghcr.io/team/api:1.2', tag: 'r.example/team/api:1.2', digest: D('1'), vulns: grype },
    { original: 'ghcr.io/team/web:3', tag: 'r.example/team/web:3', digest: D('2'), vulns: grype },
    { original: 'nginx:1.25 <&>', tag: 'r.example/nginx:1.25', digest: D('3'), vulns: trivy },
    { original: 'busybox:1', tag: 'r.example/busybox:1', digest: D('4'), vulns: [] },
  ];
  const mappings = emptyMappings();
  const results = images.map((i) => {
    const r = applyPolicy(`${i.tag.split(':')[0]}@${i.digest}`, i.vulns, policy);
    mappings[i.original] = { tag: i.tag, digest: i.digest, vulncheck: toVulncheckRecord(r) };
    return r;
  });
  return { mappings, unused: unusedIgnores(IGNORES, results) };
}

async function render(name: string): Promise<string> {
  const { mappings, unused } = scenario();
  return renderTemplateReport(await loadReportTemplate(path.join(REPORT, name)), mappings, unused);
}

describe('golden reports', () => {
  test.each(['summary.md', 'rejections.txt', 'data.json'])('%s', async (name) => {
    const out = await render(`${name}.tmpl`);
    const golden = path.join(REPORT, `${name}.golden`);
    if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(golden, out);
    expect(out).toBe(fs.readFileSync(golden, 'utf8'));
  });

  test('toJson of .Mappings is the upstream mappings file, byte for byte', async () => {
    const { mappings, unused } = scenario();
    const t = await loadReportTemplate(path.join(REPORT, 'data.json.tmpl'));
    const data = JSON.parse(renderTemplateReport(t, mappings, unused)) as { Mappings: unknown };
    expect(JSON.stringify(data.Mappings)).toBe(JSON.stringify(JSON.parse(serializeMappings(mappings, 'upstream'))));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmpl-'));
    try {
      fs.writeFileSync(path.join(dir, 'm.tmpl'), '{{ toJson .Mappings }}');
      expect(renderTemplateReport(await loadReportTemplate(path.join(dir, 'm.tmpl')), mappings, unused)).toBe(serializeMappings(mappings, 'upstream'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report data', () => {
  test('Rejections: CVE id → the CVE and the sorted original images carrying it; UnusedIgnores', () => {
    const { mappings, unused } = scenario();
    const rej = rejections(mappings);
    expect([...rej.keys()]).toEqual(['CVE-2023-44487', 'CVE-2023-4911', 'CVE-2023-5363']);
    expect(rej.get('CVE-2023-4911')?.images).toEqual(['ghcr.io/team/api:1.2']); // ignored for team/web by its REGEXP= entry
    expect(rej.get('CVE-2023-44487')?.images).toEqual(['ghcr.io/team/api:1.2', 'ghcr.io/team/web:3']);
    expect(rej.get('CVE-2023-44487')?.cve).toMatchObject({ score: 7.5, risk: 8.5, reason: 'CVE risk/score is above request thresholds' });
    expect(unused).toEqual(['CVE-2005-2541', 'CVE-2099-0001']); // CVE-2005-2541 (5.0, risk 0.5) is within both limits
  });
});

describe('errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmpl-err-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tmpl = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test('an unknown function fails at parse time, as in Go, naming the file', async () => {
    await expect(loadReportTemplate(tmpl('bad.tmpl', '{{ nope .Mappings }}'))).rejects.toThrow(UsageError);
    await expect(loadReportTemplate(tmpl('bad.tmpl', '{{ nope .Mappings }}'))).rejects.toThrow('failed parsing vulncheck report template, template: bad.tmpl:1: function "nope" not defined');
  });

  test('a missing file is a usage error naming the flag', async () => {
    await expect(loadReportTemplate(path.join(dir, 'missing.tmpl'))).rejects.toThrow(/^-vulncheck-report-template ".*missing\.tmpl": no such file$/);
  });

  test('an execution error reads as Go\'s', async () => {
    const t = await loadReportTemplate(tmpl('exec.tmpl', '{{ range .Mappings }}{{ .Nope }}{{ end }}'));
    const { mappings, unused } = scenario();
    expect(() => renderTemplateReport(t, mappings, unused)).toThrow(
      /failed to render vulncheck report \(-vulncheck-report-template .*exec\.tmpl\): template: exec\.tmpl:1:24: executing "exec\.tmpl" at <\.Nope>: can't evaluate field Nope in type reimage\.QualifiedImage/,
    );
  });
});

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../src/util/errors';
import { applyPolicy, buildPolicy } from '../src/vuln/policy';
import { renderMarkdown, writeReport, type ReportRow } from '../src/vuln/report';
import type { VulnCheckResult } from '../src/vuln/types';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const D = (c: string) => `sha256:${c.repeat(64)}`;
const policy = buildPolicy({ vulncheckMaxCvss: 7.5, vulncheckMaxRisk: 0, vulncheckIgnoreCveList: ['CVE-2005-2541'], vulncheckIgnoreImages: '' });
const v = (id: string, score: number) => ({ id, score, risk: 0, description: '' });

function rows(): ReportRow[] {
  const failing = applyPolicy(`r.example/app@${D('1')}`, [
    v('CVE-2023-4911', 7.8),
    v('CVE-2005-2541', 10),
    v('CVE-2023-44487', 7.5),
    v('CVE-2011-3374', 3.7),
  ], policy);
  const passing = applyPolicy(`r.example/web@${D('2')}`, [v('CVE-2024-1', 5)], policy);
  const error: VulnCheckResult = { accepted: [], ignored: [], rejected: [], failure: undefined, all: [], skipped: false, error: 'trivy command "trivy image" exited with code 1 <boom> & | pipe' };
  const skipped: VulnCheckResult = { accepted: [], ignored: [], rejected: [], failure: undefined, all: [], skipped: true, skipReason: 'matches -vulncheck-ignore-images' };
  return [
    { originals: ['web:1.0', 'docker.io/library/web:1.0'], image: `r.example/web:2222`, digest: D('2'), result: passing },
    // hostile text: must show as text, never as markup
    { originals: ['<script>document.body.innerHTML="pwned"</script>', 'app|x*y_z'], image: 'r.example/app:1111', digest: D('1'), result: failing },
    { originals: ['<img src=x onerror="document.title=1">'], image: 'r.example/broken:3', digest: D('3'), result: error },
    { originals: ['quay.io/skip:1'], image: 'r.example/skip:4', digest: D('4'), result: skipped },
    { originals: ['never:1'], image: 'r.example/never:5', digest: D('5'), result: undefined },
  ];
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vuln-report-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const meta = { maxCvss: 7.5, ignoredCves: ['CVE-2005-2541'], generated: new Date('2024-05-01T00:00:00Z') };

describe('Markdown', () => {
  test('a GitHub table: one row per image, worst first, pipes and HTML escaped', async () => {
    const file = path.join(tmp, 'report.md');
    await writeReport(file, rows(), meta);
    const md = fs.readFileSync(file, 'utf8');
    expect(md).toBe(renderMarkdown(rows(), meta));
    const lines = md.split('\n');
    expect(lines[0]).toBe('# reimage vulnerability report');
    expect(md).toContain('5 images, 1 passed, 1 failed, 1 errors, 1 skipped, 1 not checked; max CVSS 7.5; ignored CVEs: CVE-2005-2541');
    const table = lines.filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(2 + 5);
    // every line has the same number of unescaped cell separators
    for (const l of table) expect(l.split(/(?<!\\)\|/).length).toBe(11);
    expect(table[1]).toMatch(/^\|( --- \|){9}$/);
    const statuses = table.slice(2).map((l) => /^\| \*\*([A-Z ]+)\*\*/.exec(l)?.[1]);
    expect(statuses).toEqual(['FAIL', 'ERROR', 'NOT CHECKED', 'PASS', 'SKIPPED']);
    const fail = table[2] as string;
    expect(fail).toContain('&lt;script&gt;document.body.innerHTML="pwned"&lt;/script&gt;<br>app\\|x\\*y\\_z');
    expect(fail).toContain('| r.example/app:1111 | sha256:1111');
    expect(fail).toContain('| 10.0 | CVE-2023-4911 (7.8) | CVE-2005-2541 (10.0) | CVE-2023-44487 (7.5)<br>CVE-2011-3374 (3.7) |');
    expect(table[3]).toContain('exited with code 1 &lt;boom&gt; &amp; \\| pipe');
  });

  test('other extensions are refused', async () => {
    await expect(writeReport(path.join(tmp, 'r.txt'), rows())).rejects.toThrow(UsageError);
    await expect(writeReport(path.join(tmp, 'r'), rows())).rejects.toThrow(/\.md or \.html/);
    await expect(writeReport(path.join(tmp, 'missing-dir', 'r.md'), rows())).rejects.toThrow(/writing the vulnerability report/);
  });
});

interface Row {
  status: string;
  cells: Record<string, string>;
}

const decode = (s: string) => s.replace(/<[^>]*>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();

function rowsOf(dom: string): Row[] {
  const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(dom)?.[1] ?? '';
  return [...tbody.matchAll(/<tr class="[^"]*" data-status="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    status: m[1] as string,
    cells: Object.fromEntries([...(m[2] as string).matchAll(/<td class="(\w+)">([\s\S]*?)<\/td>/g)].map((c) => [c[1] as string, decode(c[2] as string)])),
  }));
}

function chromiumDumpDom(file: string): Promise<string> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`];
  return new Promise<string>((resolve, reject) =>
    execFile(CHROMIUM as string, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      fs.rmSync(profile, { recursive: true, force: true });
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    }),
  );
}

describe('HTML', () => {
  if (!CHROMIUM) {
    test.skip('rendered in headless Chromium — SKIPPED: no /usr/bin/chromium on this machine (the lead provisioning installs it)', () => undefined);
    return;
  }

  test('renders in headless Chromium: the table has one row per image and hostile text stays text', async () => {
    const file = path.join(tmp, 'report.html');
    await writeReport(file, rows(), meta);
    const dom = await chromiumDumpDom(file);

    expect(dom).toContain('<title>reimage vulnerability report</title>');
    expect(dom).not.toContain('pwned</body>');
    expect(dom).not.toMatch(/<script|<img/); // escaped, so never parsed into elements
    const headers = [...dom.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(['Status', 'Original image(s)', 'Final image', 'Digest', 'Worst CVSS', 'Failing CVEs', 'Ignored CVEs', 'Found CVEs', 'Details']);

    const got = rowsOf(dom);
    expect(got.map((r) => r.status)).toEqual(['FAIL', 'ERROR', 'NOT CHECKED', 'PASS', 'SKIPPED']);
    expect(got[0]?.cells).toEqual({
      status: 'FAIL',
      originals: '<script>document.body.innerHTML="pwned"</script> app|x*y_z',
      image: 'r.example/app:1111',
      digest: D('1'),
      worst: '10.0',
      failing: 'CVE-2023-4911 (7.8)',
      ignored: 'CVE-2005-2541 (10.0)',
      found: 'CVE-2023-44487 (7.5) CVE-2011-3374 (3.7)',
      details: '',
    });
    expect(got[1]?.cells['details']).toBe('trivy command "trivy image" exited with code 1 <boom> & | pipe');
    expect(got[1]?.cells['originals']).toBe('<img src=x onerror="document.title=1">');
    expect(got[3]?.cells).toMatchObject({ status: 'PASS', originals: 'docker.io/library/web:1.0 web:1.0', worst: '5.0', found: 'CVE-2024-1 (5.0)', failing: '' });
    expect(got[4]?.cells).toMatchObject({ status: 'SKIPPED', details: 'matches -vulncheck-ignore-images' });
    expect(decode(/<p class="summary">([\s\S]*?)<\/p>/.exec(dom)?.[1] ?? '')).toBe(
      '5 images, 1 passed, 1 failed, 1 errors, 1 skipped, 1 not checked; max CVSS 7.5; ignored CVEs: CVE-2005-2541',
    );
  });
});

/**
 * Today's upstream vulnerability options through the real CLI, with the test scanner (test/support/scanner.js)
 * against images in a real registry: exec + grype/trivy formats, max risk, ignore specs, both mappings formats,
 * and the gate failing closed on every kind of malformed scanner output.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';
import { CLI, KPT, ROOT, run, runCli } from './support/cli';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SCANNER = path.join(ROOT, 'test', 'support', 'scanner.js');
const MALFORMED = path.join(ROOT, 'test', 'fixtures', 'vuln', 'malformed');
const scanner = (...args: string[]): string => [process.execPath, SCANNER, ...args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');

let reg: TestRegistry;
let app: PushedImage;
let tmp: string;

beforeAll(async () => {
  reg = await startRegistry();
  app = await pushTestImage(reg, 'team/app', '1', { platforms: 1 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-e2e-vuln-up-'));
}, 120_000);
afterAll(async () => {
  await reg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const deployment = (img: string, name = 'd0'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: ${img}\n`;
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('[error]'));
let n = 0;
const mappingsFile = (): string => path.join(tmp, `m${n++}.json`);

describe('exec method, upstream flags', () => {
  test('grype-json is the default format of -vulncheck-command; a max risk rejects on risk alone', async () => {
    const out = mappingsFile();
    const r = await runCli(['-vulncheck-command', scanner('--format', 'grype'), '-vulncheck-max-risk', '10', '-write-json-mappings-file', out], deployment(app.ref));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toEqual([
      `[error] apps/v1/Deployment/d0 spec.template.spec.containers[0].image: ${app.ref}: image ${app.digestRef} has 1 CVEs with risk > 10.00: CVE-2023-4911(score 7.80, risk 62.50)`,
    ]);
    expect(fs.existsSync(out)).toBe(false);
    // upstream's log line per unacceptable CVE
    expect(r.stderr).toMatch(/level=ERROR msg="Unacceptable vulnerability" cve=CVE-2023-4911 cvss=7\.8 risk=62\.5 images=\S*team\/app:1/);
  });

  test('-vulncheck-method trivy (the seed name) with -vulncheck-format trivy-json and -vulncheck-command', async () => {
    const r = await runCli(['-vulncheck-method', 'trivy', '-vulncheck-command', scanner(), '-vulncheck-format', 'trivy-json', '-vulncheck-max-cvss', '9'], deployment(app.ref));
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toContain(`image ${app.digestRef} has 1 CVEs with score > 9.00: CVE-2005-2541(10.00)`);
  });

  test('a CVE without CVSS data scores 5.0 in both formats', async () => {
    const grype = await runCli(['-vulncheck-command', scanner('--format', 'grype'), '-vulncheck-max-cvss', '4.9', '-vulncheck-ignore-cve-list', 'CVE-2023-4911,CVE-2023-44487'], deployment(app.ref));
    expect(grype.code).toBe(1);
    expect(errorLines(grype.stderr)[0]).toMatch(/has 2 CVEs with score > 4\.90: CVE-2005-2541\(5\.00\),GHSA-3h5v-q93c-6h6q\(5\.00\)$/);
    const ignore = 'CVE-2005-2541,CVE-2023-4911,CVE-2023-44487,GHSA-3h5v-q93c-6h6q';
    const trivy = await runCli(['-trivy-command', scanner(), '-vulncheck-max-cvss', '4.9', '-vulncheck-ignore-cve-list', ignore], deployment(app.ref));
    expect(trivy.code).toBe(1);
    expect(errorLines(trivy.stderr)[0]).toMatch(/has 1 CVEs with score > 4\.90: TEMP-0841856-B18BAF\(5\.00\)$/);
  });

  test('-vulncheck-ignore-cve-list REGEXP=CVE,… ignores only for matching images; unused ignores are logged', async () => {
    const args = ['-vulncheck-command', scanner('--format', 'grype'), '-vulncheck-max-cvss', '7'];
    const scoped = await runCli([...args, '-vulncheck-ignore-cve-list', '/team/app@sha256:=CVE-2023-4911,CVE-2023-44487', '-vulncheck-ignore-cve-list', 'CVE-2099-0001'], deployment(app.ref));
    expect(scoped.stderr).not.toMatch(/\[error\]/);
    expect(scoped.code).toBe(0);
    expect(scoped.stderr).toMatch(/some of the CVE ignores were not relevant to any image.*CVE-2099-0001/);
    const other = await runCli([...args, '-vulncheck-ignore-cve-list', '/other/=CVE-2023-4911,CVE-2023-44487'], deployment(app.ref));
    expect(other.code).toBe(1);
    expect(errorLines(other.stderr)[0]).toContain('has 2 CVEs with score > 7.00: CVE-2023-44487(7.50),CVE-2023-4911(7.80)');
  });

  test('-mappings-format upstream writes vulncheckResult; the default writes the seed lists', async () => {
    const args = ['-vulncheck-command', scanner('--format', 'grype'), '-vulncheck-max-cvss', '7.6', '-vulncheck-ignore-cve-list', 'CVE-2023-4911'];
    const up = mappingsFile();
    const r = await runCli([...args, '-mappings-format', 'upstream', '-write-json-mappings-file', up], deployment(app.ref));
    expect(r.code).toBe(0);
    const m = JSON.parse(fs.readFileSync(up, 'utf8')) as Record<string, { tag: string; digest: string; vulncheckResult: Record<string, Array<Record<string, unknown>> | null> }>;
    expect(Object.keys(m[app.ref] ?? {})).toEqual(['tag', 'digest', 'vulncheckResult']);
    const vr = m[app.ref]?.vulncheckResult;
    expect(vr?.['Ignored']).toEqual([{ ID: 'CVE-2023-4911', CVSS: 7.8, Risk: 62.5, Desc: expect.stringContaining('GLIBC_TUNABLES') }]);
    expect(vr?.['Accepted']?.map((c) => [c['ID'], c['CVSS'], c['Risk']])).toEqual([
      ['CVE-2005-2541', 5, 0.5],
      ['CVE-2011-3374', 4.3, 0.1],
      ['CVE-2023-44487', 7.5, 8.5],
      ['CVE-2024-0001', 0, 0],
      ['GHSA-3h5v-q93c-6h6q', 5, 0],
    ]);
    expect(vr?.['Rejected']).toBeNull();

    const seed = mappingsFile();
    const r2 = await runCli([...args, '-write-json-mappings-file', seed], deployment(app.ref));
    expect(r2.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(seed, 'utf8'))).toEqual({
      [app.ref]: {
        tag: app.ref,
        digest: app.digest,
        ignoredCVEs: ['CVE-2023-4911:7.800000'],
        // the scanner's order, as the seed recorded them
        foundCVEs: ['CVE-2023-44487:7.500000', 'CVE-2005-2541:5.000000', 'GHSA-3h5v-q93c-6h6q:5.000000', 'CVE-2011-3374:4.300000', 'CVE-2024-0001:0.000000'],
      },
    });
  });

  test('a mappings file in either format loads as static mappings', async () => {
    for (const format of ['seed', 'upstream']) {
      const file = mappingsFile();
      const w = await runCli(['-mappings-format', format, '-write-json-mappings-file', file], deployment(app.ref));
      expect(w.code).toBe(0);
      const r = await runCli(['-static-json-mappings-file', file, '-vulncheck-command', scanner('--fixture', 'clean'), '-vulncheck-format', 'trivy-json', '-vulncheck-max-cvss', '5'], deployment(app.ref));
      expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(deployment(app.ref));
    }
  });

  test('-vulncheck-report-template without -vulncheck-report-output is refused before anything runs', async () => {
    const r = await runCli(['-vulncheck-report-template', path.join(tmp, 'x.tmpl')], deployment(app.ref));
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('vulncheck reporting requires both the template and output to be set');
  });

  test('-vulncheck-report-template renders upstream\'s data, also when the gate fails; mappings are not written then', async () => {
    const tmpl = path.join(tmp, 'report.tmpl');
    fs.writeFileSync(tmpl, '{{ range $id, $r := .Rejections }}{{ $id }} {{ printf "%.1f" $r.CVSS }} {{ join "," $r.Images }}\n{{ end }}unused: {{ .UnusedIgnores }}\n{{ range $k, $m := .Mappings }}{{ $k }} {{ len $m.VulnCheckResult.Accepted }}\n{{ end }}');
    const report = path.join(tmp, 'report.txt');
    const out = mappingsFile();
    const r = await runCli(
      ['-vulncheck-command', scanner('--format', 'grype'), '-vulncheck-max-cvss', '7.6', '-vulncheck-ignore-cve-list', 'CVE-2099-1', '-vulncheck-report-template', tmpl, '-vulncheck-report-output', report, '-write-json-mappings-file', out],
      deployment(app.ref),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(report, 'utf8')).toBe(`CVE-2023-4911 7.8 ${app.ref}\nunused: [CVE-2099-1]\n${app.ref} 5\n`);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a bad report template stops the run before any scan', async () => {
    const tmpl = path.join(tmp, 'bad.tmpl');
    fs.writeFileSync(tmpl, '{{ nope }}');
    const log = path.join(tmp, 'never.jsonl');
    const r = await runCli(['-vulncheck-command', scanner('--log', log), '-vulncheck-max-cvss', '5', '-vulncheck-report-template', tmpl, '-vulncheck-report-output', path.join(tmp, 'never.txt')], deployment(app.ref));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('failed parsing vulncheck report template, template: bad.tmpl:1: function "nope" not defined');
    expect(fs.existsSync(log)).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'never.txt'))).toBe(false);
  });

  test('-vulncheck-timeout 720h works (Node timers overflow at 2^31-1 ms)', async () => {
    const r = await runCli(['-vulncheck-command', scanner('--format', 'grype', '--delay', '300'), '-vulncheck-max-cvss', '11', '-vulncheck-timeout', '720h'], deployment(app.ref));
    expect(r.stderr).not.toMatch(/timed out|TimeoutOverflowWarning/);
    expect(r.code).toBe(0);
  });

  test('the upstream default scanner is grype; when it is missing the error says how to get trivy', async () => {
    const r = await runCli(['-vulncheck-max-cvss', '5'], deployment(app.ref), { env: { PATH: path.join(tmp, 'empty-path') } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toEqual([
      expect.stringContaining(`scanner "grype --by-cve -o json" (-vulncheck-command) for ${app.digestRef} could not start: "grype" not found (is it installed and on PATH? -vulncheck-command defaults to grype; for trivy set -vulncheck-method trivy or -trivy-command)`),
    ]);
    const seed = await runCli(['-vulncheck-method', 'trivy', '-vulncheck-max-cvss', '5'], deployment(app.ref), { env: { PATH: path.join(tmp, 'empty-path') } });
    expect(errorLines(seed.stderr)[0]).toContain('scanner "trivy image -f json" (-trivy-command)');
  });

  test('a bare null report means no vulnerabilities', async () => {
    const r = await runCli(['-vulncheck-command', scanner('--mode', 'null'), '-vulncheck-max-cvss', '1'], deployment(app.ref));
    expect(r.stderr).not.toMatch(/\[error\]/);
    expect(r.code).toBe(0);
  });
});

describe('through kpt (ConfigMap keys are the flag names)', () => {
  test('upstream keys gate the package; a passing run writes the upstream mappings', async () => {
    const dir = path.join(tmp, 'kpt');
    fs.mkdirSync(dir, { recursive: true });
    const text = deployment(app.ref);
    fs.writeFileSync(path.join(dir, 'app.yaml'), text);
    const failing = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `vulncheck-command=${scanner('--format', 'grype')}`, 'vulncheck-max-risk=10']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('[FAIL]');
    expect(failing.stderr).toContain('CVE-2023-4911(score 7.80, risk 62.50)');
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(text);
    const out = mappingsFile();
    const passing = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `vulncheck-command=${scanner('--format', 'grype')}`, 'vulncheck-max-risk=100', 'mappings-format=upstream', `write-json-mappings-file=${out}`]);
    expect(passing.stderr).toContain('[PASS]');
    expect(passing.code).toBe(0);
    expect(Object.keys(JSON.parse(fs.readFileSync(out, 'utf8'))[app.ref] as object)).toEqual(['tag', 'digest', 'vulncheckResult']);
  });
});

describe('the gate fails closed: malformed scanner output fails that image', () => {
  const cases: Array<[string, string[], string, RegExp]> = [
    ['trivy: a string score', ['--raw', path.join(MALFORMED, 'trivy-string-score.json')], 'trivy-json', /cannot unmarshal string "9\.8" into Results\[0\]\.Vulnerabilities\[0\]\.CVSS\["nvd"\]\.V3Score of Go type float32/],
    ['trivy: Results as an object', ['--raw', path.join(MALFORMED, 'trivy-results-object.json')], 'trivy-json', /cannot unmarshal object into Results of Go type \[\]Result/],
    ['trivy: truncated JSON', ['--raw', path.join(MALFORMED, 'trivy-truncated.json')], 'trivy-json', /printed no valid trivy-json report: .*JSON/],
    ['trivy: Vulnerabilities as a string', ['--raw', path.join(MALFORMED, 'trivy-vulns-string.json')], 'trivy-json', /into Results\[0\]\.Vulnerabilities of Go type/],
    ['trivy: a top-level array', ['--raw', path.join(MALFORMED, 'trivy-top-array.json')], 'trivy-json', /cannot unmarshal array into the report/],
    ['trivy: trailing garbage', ['--raw', path.join(MALFORMED, 'trivy-trailing.json')], 'trivy-json', /printed no valid trivy-json report/],
    ['grype: a string baseScore', ['--raw', path.join(MALFORMED, 'grype-string-score.json')], 'grype-json', /into Matches\[0\]\.Vulnerability\.CVSS\[0\]\.Metrics\.BaseScore of Go type float32/],
    ['grype: matches as an object', ['--raw', path.join(MALFORMED, 'grype-matches-object.json')], 'grype-json', /cannot unmarshal object into Matches/],
    ['grype: a string risk', ['--raw', path.join(MALFORMED, 'grype-string-risk.json')], 'grype-json', /into Matches\[0\]\.Vulnerability\.Risk of Go type float32/],
    ['a grype report read as trivy-json', ['--format', 'grype'], 'trivy-json', /it looks like grype-json: set -vulncheck-format grype-json/],
    ['empty output', ['--mode', 'empty'], 'trivy-json', /unexpected end of JSON input \(empty output\)/],
    ['not JSON', ['--mode', 'nonjson'], 'grype-json', /printed no valid grype-json report/],
    ['a non-zero exit', ['--mode', 'fail'], 'trivy-json', /exited with code 2; stderr \(last 5 of 31 lines\)/],
    ['a crash', ['--mode', 'crash'], 'trivy-json', /was killed by SIGKILL/],
    ['600 MiB of output', ['--mode', 'huge', '--mb', '600'], 'trivy-json', /printed more than 128 MiB \(the cap on scanner output\); the scanner was killed/],
  ];

  test.each(cases)('%s: exit 1, nothing on stdout, one line naming the image, no mappings written', async (_name, args, format, message) => {
    const out = mappingsFile();
    const r = await runCli(['-vulncheck-command', scanner(...args), '-vulncheck-format', format, '-vulncheck-max-cvss', '9.9', '-write-json-mappings-file', out], deployment(app.ref));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^\\[error\\] apps/v1/Deployment/d0 spec\\.template\\.spec\\.containers\\[0\\]\\.image: ${app.ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: scanner .* for ${app.digestRef.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    expect(errors[0]).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  test('SIGTERM to reimage takes the scanner\'s process group down with it', async () => {
    const log = path.join(tmp, 'sigterm.jsonl');
    const child = spawn(process.execPath, [CLI, '-vulncheck-command', scanner('--mode', 'group-hang', '--log', log), '-vulncheck-max-cvss', '5'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.end(deployment(app.ref));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    const pids = (): number[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { pid: number }).pid) : []);
    for (let i = 0; i < 200 && pids().length < 2; i++) await sleep(50);
    expect(pids()).toHaveLength(2); // the scanner and its grandchild
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    for (let i = 0; i < 40 && pids().some(alive); i++) await sleep(50);
    expect(pids().filter(alive)).toEqual([]);
    expect(stdout).toBe('');
  });

  test('a timed-out scanner fails the image the same way', async () => {
    const out = mappingsFile();
    const r = await runCli(['-vulncheck-command', scanner('--mode', 'group-hang'), '-vulncheck-max-cvss', '5', '-vulncheck-timeout', '1s', '-write-json-mappings-file', out], deployment(app.ref));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`for ${app.digestRef.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} timed out after 1s$`))]);
    expect(fs.existsSync(out)).toBe(false);
  });
});

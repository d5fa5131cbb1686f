/**
 * End-to-end vulnerability gate through the CLI and kpt: a trivy-compatible scanner of our own against images in a
 * real registry, and the real Grafeas client against a local gRPC Grafeas server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';
import { startGrafeasServer } from './support/grafeas-server';
import type { GrafeasServer } from './support/grafeas-server';
import { asKptKeyValues, CLI, KPT, ROOT, run, runCli } from './support/cli';

const SCANNER = path.join(ROOT, 'test', 'support', 'scanner.js');
const trivy = (fixture: string): string[] => ['-trivy-command', `${process.execPath} ${SCANNER} --fixture ${fixture}`];

let reg: TestRegistry;
let mixed: PushedImage; // scanned with fixtures/vuln/trivy/mixed.json: worst 10.0 (CVE-2005-2541)
let clean: PushedImage;
let tmp: string;

beforeAll(async () => {
  reg = await startRegistry();
  [mixed, clean] = await Promise.all([pushTestImage(reg, 'team/app', '1', { platforms: 1 }), pushTestImage(reg, 'scan-clean/base', '1', { platforms: 1 })]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-e2e-vuln-'));
}, 120_000);
afterAll(async () => {
  await reg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const deployments = (images: string[]): string =>
  images.map((img, i) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d${i}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: ${img}\n`).join('---\n');

const digestName = (img: PushedImage): string => img.digestRef;

describe('trivy-compatible scanner', () => {
  test('a CVE over the max fails every resource using the image, with the Go message; nothing on stdout', async () => {
    const r = await runCli([...trivy('mixed'), '-vulncheck-max-cvss', '7.8'], deployments([mixed.ref, clean.ref, mixed.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const message = `${mixed.ref}: image ${digestName(mixed)} has 1 CVEs with score > 7.80: CVE-2005-2541(10.00)`;
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('[error]'));
    expect(errors).toEqual([
      `[error] apps/v1/Deployment/d0 spec.template.spec.containers[0].image: ${message}`,
      `[error] apps/v1/Deployment/d2 spec.template.spec.containers[0].image: ${message}`,
    ]);
  });

  test('passing images record foundCVEs and ignoredCVEs in the mappings, in the Go format', async () => {
    const out = path.join(tmp, 'mappings.json');
    const r = await runCli([...trivy('mixed'), '-vulncheck-max-cvss', '7.8', '-vulncheck-ignore-cve-list', 'CVE-2005-2541, CVE-2023-44487', '-write-json-mappings-file', out], deployments([mixed.ref, clean.ref]));
    expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(deployments([mixed.ref, clean.ref]));
    const m = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, { tag: string; digest: string; foundCVEs?: string[]; ignoredCVEs?: string[] }>;
    expect(m[mixed.ref]?.digest).toBe(mixed.digest);
    expect(m[mixed.ref]?.ignoredCVEs).toEqual(['CVE-2005-2541:10.000000']);
    expect(m[mixed.ref]?.foundCVEs).toEqual(expect.arrayContaining(['CVE-2023-4911:7.800000', 'CVE-2023-44487:7.500000', 'CVE-2011-3374:3.700000']));
    expect(m[clean.ref]).toEqual({ tag: clean.ref, digest: clean.digest });
  });

  test('a scanner that fails is an error naming the command and its stderr', async () => {
    const r = await runCli(['-trivy-command', `${process.execPath} ${SCANNER} --mode fail`, '-vulncheck-max-cvss', '9'], deployments([mixed.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('scanner.js');
    expect(r.stderr).toMatch(/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image/);
  });

  test('writes a Markdown report with each image, digest, worst score and CVEs', async () => {
    const report = path.join(tmp, 'report.md');
    const r = await runCli([...trivy('mixed'), '-vulncheck-max-cvss', '11', '-vulncheck-report', report], deployments([mixed.ref, clean.ref]));
    expect(r.code).toBe(0);
    const md = fs.readFileSync(report, 'utf8');
    expect(md).toContain(mixed.digest);
    expect(md).toContain('CVE-2005-2541');
    expect(md).toContain('10.0');
    expect(md).toContain(clean.ref);
  });

  test('through kpt: a failing gate is [FAIL] and leaves the package alone', async () => {
    const dir = path.join(tmp, 'kpt');
    fs.mkdirSync(dir, { recursive: true });
    const text = deployments([mixed.ref]);
    fs.writeFileSync(path.join(dir, 'app.yaml'), text);
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', 'vulncheck-max-cvss=5', `trivy-command=${process.execPath} ${SCANNER} --fixture mixed`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[FAIL]');
    expect(r.stderr).toContain('CVE-2005-2541(10.00)');
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(text);
  });
});

describe('Grafeas', () => {
  let grafeas: GrafeasServer;
  beforeAll(async () => {
    grafeas = await startGrafeasServer();
  });
  afterAll(async () => grafeas?.stop());
  const args = (maxCvss: string, extra: string[] = []): string[] => ['-vulncheck-method', 'grafeas', '-grafeas-parent', 'projects/p', '-grafeas-endpoint', grafeas.endpoint, '-vulncheck-max-cvss', maxCvss, ...extra];
  const url = (img: PushedImage): string => `https://${img.digestRef}`;

  test('waits for discovery to finish, then gates on VULNERABILITY occurrences', async () => {
    grafeas.store.scriptDiscovery('projects/p', url(mixed), ['PENDING', 'PENDING', 'FINISHED_SUCCESS']);
    grafeas.store.addVulnerability('projects/p', url(mixed), { cve: 'CVE-2024-0001', score: 9.1 });
    grafeas.store.addVulnerability('projects/p', url(mixed), { cve: 'CVE-2024-0002', score: 4.0 });
    const failing = await runCli(args('7'), deployments([mixed.ref]));
    expect(failing.code).toBe(1);
    expect(failing.stdout).toBe('');
    expect(failing.stderr).toContain(`image ${digestName(mixed)} has 1 CVEs with score > 7.00: CVE-2024-0001(9.10)`);
    const out = path.join(tmp, 'grafeas.json');
    const passing = await runCli(args('9.5', ['-write-json-mappings-file', out]), deployments([mixed.ref]));
    expect(passing.code).toBe(0);
    const m = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, { foundCVEs?: string[] }>;
    expect(m[mixed.ref]?.foundCVEs?.sort()).toEqual(['CVE-2024-0001:9.100000', 'CVE-2024-0002:4.000000']);
    // no credentials were sent to the emulator
    expect(grafeas.calls.every((c) => !('authorization' in c.metadata))).toBe(true);
  });

  test('FINISHED_UNSUPPORTED passes with no CVEs', async () => {
    grafeas.store.addDiscovery('projects/p', url(clean), 'FINISHED_UNSUPPORTED');
    const r = await runCli(args('1'), deployments([clean.ref]));
    expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
    expect(r.code).toBe(0);
  });

  test('through kpt: a passing Grafeas gate writes the package, with no credentials sent', async () => {
    const img = await pushTestImage(reg, 'team/kpt-grafeas', '1', { platforms: 1 });
    grafeas.store.addDiscovery('projects/p', url(img), 'FINISHED_SUCCESS');
    grafeas.store.addVulnerability('projects/p', url(img), { cve: 'CVE-2024-1000', score: 3.1 });
    const dir = path.join(tmp, 'kpt-grafeas');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'app.yaml'), deployments([img.ref]));
    const calls = grafeas.calls.length;
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', ...asKptKeyValues(args('5'))]);
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    expect(grafeas.calls.length).toBeGreaterThan(calls);
    expect(grafeas.calls.slice(calls).every((c) => !('authorization' in c.metadata))).toBe(true);
  });

  test('gives up at -vulncheck-timeout with a clear message', async () => {
    const pending = await pushTestImage(reg, 'team/pending', '1', { platforms: 1 });
    grafeas.store.addDiscovery('projects/p', url(pending), 'PENDING');
    const r = await runCli(args('5', ['-vulncheck-timeout', '4s']), deployments([pending.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/timed out after 4s waiting for vulnerability scanning of .*team\/pending@sha256:[0-9a-f]{64} \(last discovery status: PENDING\)/);
  });
});

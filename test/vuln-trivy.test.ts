import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseReference } from '../src/reference';
import { DEFAULT_OPTIONS } from '../src/cli/options';
import { ReimageError, UsageError } from '../src/util/errors';
import { createLogger, silentLogger } from '../src/util/log';
import { checkImages, vulnProblems, type VulnCheckOptions } from '../src/vuln';
import { TrivyVulnGetter } from '../src/vuln/trivy';
import { VulnTimeoutError } from '../src/vuln/types';

const SCANNER = path.join(__dirname, 'support', 'scanner.js');
const hex = (c: string) => c.repeat(64);
const ref = (repo: string, c = 'a') => parseReference(`127.0.0.1:5000/${repo}@sha256:${hex(c)}`);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vuln trivy;'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface LogLine {
  event: 'start' | 'end';
  image: string;
  t: number;
  pid: number;
}
const readLog = (file: string): LogLine[] =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) : [];

const signal = () => new AbortController().signal;

function opts(over: Partial<VulnCheckOptions> = {}): VulnCheckOptions {
  return { ...DEFAULT_OPTIONS, vulncheckMaxCvss: 7, argv: [process.execPath, SCANNER], ...over };
}

describe('TrivyVulnGetter', () => {
  test('runs argv + the digest reference as the final arg (no shell) and parses the JSON', async () => {
    const log = path.join(tmp, 'log $(x) ; "quoted".jsonl');
    const img = parseReference(`127.0.0.1:5000/test/app:1.0@sha256:${hex('1')}`);
    const vulns = await new TrivyVulnGetter([process.execPath, SCANNER, '--log', log]).getVulnerabilities(img, signal());
    expect(vulns.map((v) => [v.id, v.score])).toEqual([
      ['CVE-2023-4911', 7.8],
      ['CVE-2023-44487', 7.5],
      ['CVE-2011-3374', 3.7],
      ['CVE-2005-2541', 10],
      ['TEMP-0841856-B18BAF', 0],
      ['GHSA-3h5v-q93c-6h6q', 7.5],
    ]);
    // the tag is dropped, as the Go tool's Repo(...).Digest(...)
    expect(readLog(log).map((l) => l.image)).toEqual([`127.0.0.1:5000/test/app@sha256:${hex('1')}`, `127.0.0.1:5000/test/app@sha256:${hex('1')}`]);
  });

  test('Docker Hub images are named in full (index.docker.io/library/...)', async () => {
    const log = path.join(tmp, 'hub.jsonl');
    await new TrivyVulnGetter([process.execPath, SCANNER, '--log', log, '--fixture', 'clean']).getVulnerabilities(parseReference(`nginx@sha256:${hex('b')}`), signal());
    expect(readLog(log)[0]?.image).toBe(`index.docker.io/library/nginx@sha256:${hex('b')}`);
  });

  test('clean and no-results reports give no vulnerabilities', async () => {
    for (const fixture of ['clean', 'no-results']) {
      await expect(new TrivyVulnGetter([process.execPath, SCANNER, '--fixture', fixture]).getVulnerabilities(ref('x'), signal())).resolves.toEqual([]);
    }
  });

  test('a non-zero exit names the command, the exit code and the first stderr lines', async () => {
    const err = (await new TrivyVulnGetter([process.execPath, SCANNER, '--mode', 'fail']).getVulnerabilities(ref('x'), signal()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ReimageError);
    expect(err.message).toContain(`${SCANNER} --mode fail`);
    expect(err.message).toContain(`exited with code 2 scanning 127.0.0.1:5000/x@sha256:${hex('a')}`);
    expect(err.message).toContain('FATAL\tscan error: unable to inspect the image');
    expect(err.message).toContain('detail line 14');
    expect(err.message).not.toContain('detail line 15');
    expect(err.message).toContain('(16 more lines)');
  });

  test('non-JSON or empty output is an error showing what was printed', async () => {
    const nonjson = new TrivyVulnGetter([process.execPath, SCANNER, '--mode', 'nonjson']).getVulnerabilities(ref('x'), signal());
    await expect(nonjson).rejects.toThrow(/did not print JSON .*output starts "Total: 3 \(UNKNOWN: 0[\s\S]*stderr:\nwarning: table output requested/);
    const empty = new TrivyVulnGetter([process.execPath, SCANNER, '--mode', 'empty']).getVulnerabilities(ref('x'), signal());
    await expect(empty).rejects.toThrow(/did not print JSON .*empty output/);
    await expect(new TrivyVulnGetter(['/bin/sh', '-c', 'echo "[1]"']).getVulnerabilities(ref('x'), signal())).rejects.toThrow(/not a trivy report object/);
  });

  test('a missing command and a killed scanner are clear errors', async () => {
    await expect(new TrivyVulnGetter(['no-such-trivy-xyz', 'image']).getVulnerabilities(ref('x'), signal())).rejects.toThrow(
      /trivy command "no-such-trivy-xyz image": "no-such-trivy-xyz" not found/,
    );
    await expect(new TrivyVulnGetter([process.execPath, SCANNER, '--mode', 'crash']).getVulnerabilities(ref('x'), signal())).rejects.toThrow(/was killed by SIGKILL/);
  });

  test('the abort signal kills the scanner and the error says it timed out', async () => {
    const log = path.join(tmp, 'hang.jsonl');
    const ac = new AbortController();
    setTimeout(() => ac.abort(new VulnTimeoutError(300)), 300);
    const started = Date.now();
    const err = (await new TrivyVulnGetter([process.execPath, SCANNER, '--mode', 'hang', '--log', log]).getVulnerabilities(ref('x'), ac.signal).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toMatch(/^trivy command ".*--mode hang.*" timed out after 300ms scanning 127\.0\.0\.1:5000\/x@sha256:a{64}$/);
    const pid = readLog(log)[0]?.pid as number;
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(pid, 0)).toThrow(); // gone
  });

  test('a wrapper script whose child holds the pipes open still times out promptly', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new VulnTimeoutError(300)), 300);
    const started = Date.now();
    const getter = new TrivyVulnGetter(['/bin/sh', '-c', 'echo "scanner starting" >&2; sleep 5; echo "{}"']);
    await expect(getter.getVulnerabilities(ref('x'), ac.signal)).rejects.toThrow(/timed out after 300ms scanning .*; stderr:\nscanner starting$/);
    expect(Date.now() - started).toBeLessThan(4000); // well before the child's `sleep 5` ends
  });

  test('an image without a digest is refused', async () => {
    await expect(new TrivyVulnGetter([process.execPath, SCANNER]).getVulnerabilities(parseReference('127.0.0.1:5000/x:1'), signal())).rejects.toThrow(/not in digest form/);
  });
});

describe('checkImages with a trivy command', () => {
  test('per-image results keyed by image.name: pass, fail, error, skipped', async () => {
    const images = [ref('scan-clean/a', '1'), ref('scan-mixed/b', '2'), ref('scan-fail/c', '3'), ref('scan-nonjson/d', '4'), ref('ignored/e', '5'), parseReference('127.0.0.1:5000/notdigest:1')];
    const res = await checkImages(images, opts({ vulncheckMaxCvss: 7.5, vulncheckIgnoreImages: '/ignored/', vulncheckIgnoreCveList: ['CVE-2005-2541'] }), silentLogger);
    expect([...res.keys()].sort()).toEqual(images.map((i) => i.name).sort());
    const get = (i: number) => res.get(images[i]?.name as string);
    expect(get(0)).toMatchObject({ found: [], ignored: [], bad: [], failure: undefined, skipped: false });
    expect(get(0)?.error).toBeUndefined();
    expect(get(1)?.failure).toBe(`image 127.0.0.1:5000/scan-mixed/b@sha256:${hex('2')} has 1 CVEs with score > 7.50: CVE-2023-4911(7.80)`);
    expect(get(1)?.ignored).toEqual(['CVE-2005-2541:10.000000']);
    expect(get(1)?.found).toContain('CVE-2023-44487:7.500000');
    expect(get(2)?.error).toMatch(/exited with code 2 scanning 127\.0\.0\.1:5000\/scan-fail\/c@sha256/);
    expect(get(3)?.error).toMatch(/did not print JSON/);
    expect(get(4)).toMatchObject({ skipped: true, skipReason: 'matches -vulncheck-ignore-images' });
    expect(get(5)?.error).toMatch(/not in digest form/);
    expect(vulnProblems(res).map((p) => p.image).sort()).toEqual([1, 2, 3, 5].map((i) => images[i]?.name).sort());
  });

  test('concurrency bounds the scanners in flight; the per-image timeout applies to each', async () => {
    const log = path.join(tmp, 'conc.jsonl');
    const images = Array.from({ length: 6 }, (_, i) => ref(`scan-clean/app${i}`, String(i)));
    images.push(ref('scan-hang/stuck', 'f'));
    const started = Date.now();
    const res = await checkImages(images, opts({ concurrency: 3, vulncheckTimeoutMs: 1500, argv: [process.execPath, SCANNER, '--delay', '150', '--log', log] }), silentLogger);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.get(images[6]?.name as string)?.error).toMatch(/timed out after 1.5s scanning 127\.0\.0\.1:5000\/scan-hang\/stuck@/);
    expect([...res.values()].filter((r) => r.error === undefined)).toHaveLength(6);
    let inFlight = 0;
    let peak = 0;
    for (const l of readLog(log).sort((a, b) => a.t - b.t || (a.event === 'end' ? -1 : 1))) {
      inFlight += l.event === 'start' ? 1 : -1;
      peak = Math.max(peak, inFlight);
    }
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
  });

  test('max CVSS 0 skips everything without running the scanner', async () => {
    const log = path.join(tmp, 'zero.jsonl');
    const lines: string[] = [];
    const res = await checkImages([ref('a')], opts({ vulncheckMaxCvss: 0, argv: [process.execPath, SCANNER, '--log', log] }), createLogger('info', (l) => lines.push(l)));
    expect(res.get(ref('a').name)).toMatchObject({ skipped: true, skipReason: 'max CVSS is 0' });
    expect(fs.existsSync(log)).toBe(false);
    expect(lines.join('')).toContain('skipping vulnerability checks (max CVSS is set to 0)');
  });

  test('without argv, -trivy-command is split like shellwords', async () => {
    const log = path.join(tmp, 'split me.jsonl');
    const cmd = `${process.execPath} '${SCANNER}' --log "${log}" --fixture clean`;
    const res = await checkImages([ref('a')], { ...opts({ trivyCommand: cmd }), argv: undefined }, silentLogger);
    expect(res.get(ref('a').name)?.error).toBeUndefined();
    expect(readLog(log)).toHaveLength(2);
  });

  test('configuration problems reject as usage errors', async () => {
    await expect(checkImages([ref('a')], { ...opts({ trivyCommand: '' }), argv: undefined }, silentLogger)).rejects.toThrow(UsageError);
    await expect(checkImages([ref('a')], { ...opts({ trivyCommand: 'trivy "unclosed' }), argv: undefined }, silentLogger)).rejects.toThrow(/-trivy-command/);
    await expect(checkImages([ref('a')], opts({ vulncheckIgnoreImages: '(' }), silentLogger)).rejects.toThrow(/-vulncheck-ignore-images/);
    await expect(checkImages([ref('a')], opts({ vulncheckMethod: 'grafeas', grafeasParent: '' }), silentLogger)).rejects.toThrow(/-grafeas-parent/);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseReference } from '../src/reference';
import { DEFAULT_OPTIONS } from '../src/cli/options';
import { ReimageError, UsageError } from '../src/util/errors';
import { createLogger, silentLogger } from '../src/util/log';
import { checkImages, vulnProblems, type VulnCheckOptions } from '../src/vuln';
import { ExecVulnGetter } from '../src/vuln/exec';
import { setLongTimeout, MAX_TIMER_MS } from '../src/util/timer';
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

const SCANNER_CMD = `${process.execPath} ${SCANNER}`;
function opts(over: Partial<VulnCheckOptions> = {}): VulnCheckOptions {
  return { ...DEFAULT_OPTIONS, vulncheckMaxCvss: 7, vulncheckCommand: SCANNER_CMD, vulncheckFormat: 'trivy-json', ...over };
}
const trivyGetter = (argv: string[], maxOutput?: number) => new ExecVulnGetter({ argv, format: 'trivy-json', flag: '-trivy-command', ...(maxOutput ? { maxOutput } : {}) });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('ExecVulnGetter', () => {
  test('runs argv + the digest reference as the final arg (no shell) and parses the JSON', async () => {
    const log = path.join(tmp, 'log $(x) ; "quoted".jsonl');
    const img = parseReference(`127.0.0.1:5000/test/app:1.0@sha256:${hex('1')}`);
    const vulns = await trivyGetter([process.execPath, SCANNER, '--log', log]).getVulnerabilities(img, signal());
    expect(vulns.map((v) => [v.id, v.score])).toEqual([
      ['CVE-2023-4911', Math.fround(7.8)],
      ['CVE-2023-44487', 7.5],
      ['CVE-2011-3374', Math.fround(3.7)],
      ['CVE-2005-2541', 10],
      ['TEMP-0841856-B18BAF', 5],
      ['GHSA-3h5v-q93c-6h6q', 7.5],
    ]);
    // the tag is dropped, as the Go tool's Repo(...).Digest(...)
    expect(readLog(log).map((l) => l.image)).toEqual([`127.0.0.1:5000/test/app@sha256:${hex('1')}`, `127.0.0.1:5000/test/app@sha256:${hex('1')}`]);
  });

  test('grype-json output', async () => {
    const g = new ExecVulnGetter({ argv: [process.execPath, SCANNER, '--format', 'grype'], format: 'grype-json', flag: '-vulncheck-command' });
    const vulns = await g.getVulnerabilities(ref('x'), signal());
    expect(vulns.map((v) => [v.id, v.score, v.risk])).toContainEqual(['CVE-2023-4911', Math.fround(7.8), 62.5]);
  });

  test('Docker Hub images are named in full (index.docker.io/library/...)', async () => {
    const log = path.join(tmp, 'hub.jsonl');
    await trivyGetter([process.execPath, SCANNER, '--log', log, '--fixture', 'clean']).getVulnerabilities(parseReference(`nginx@sha256:${hex('b')}`), signal());
    expect(readLog(log)[0]?.image).toBe(`index.docker.io/library/nginx@sha256:${hex('b')}`);
  });

  test('clean, no-results and bare null reports give no vulnerabilities', async () => {
    for (const args of [['--fixture', 'clean'], ['--fixture', 'no-results'], ['--mode', 'null']]) {
      await expect(trivyGetter([process.execPath, SCANNER, ...args]).getVulnerabilities(ref('x'), signal())).resolves.toEqual([]);
    }
  });

  test('a non-zero exit names the command, the flag, the image, the exit code and the last stderr lines, on one line', async () => {
    const err = (await trivyGetter([process.execPath, SCANNER, '--mode', 'fail']).getVulnerabilities(ref('x'), signal()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ReimageError);
    expect(err.message).toBe(
      `scanner "${process.execPath} ${SCANNER} --mode fail" (-trivy-command) for 127.0.0.1:5000/x@sha256:${hex('a')} exited with code 2; stderr (last 5 of 31 lines): detail line 26 | detail line 27 | detail line 28 | detail line 29 | detail line 30`,
    );
  });

  test('non-JSON or empty output is an error showing what was printed', async () => {
    const nonjson = trivyGetter([process.execPath, SCANNER, '--mode', 'nonjson']).getVulnerabilities(ref('x'), signal());
    await expect(nonjson).rejects.toThrow(/printed no valid trivy-json report: .*\(output starts "Total: 3 \(UNKNOWN: 0.*"\); stderr: warning: table output requested$/);
    const empty = trivyGetter([process.execPath, SCANNER, '--mode', 'empty']).getVulnerabilities(ref('x'), signal());
    await expect(empty).rejects.toThrow(/printed no valid trivy-json report: unexpected end of JSON input \(empty output\)/);
    await expect(trivyGetter(['/bin/sh', '-c', 'echo "[1]"']).getVulnerabilities(ref('x'), signal())).rejects.toThrow(/cannot unmarshal array into the report/);
  });

  test('a missing command and a killed scanner are clear errors', async () => {
    await expect(trivyGetter(['no-such-trivy-xyz', 'image']).getVulnerabilities(ref('x'), signal())).rejects.toThrow(
      /scanner "no-such-trivy-xyz image" \(-trivy-command\) for .* could not start: "no-such-trivy-xyz" not found/,
    );
    await expect(trivyGetter([process.execPath, SCANNER, '--mode', 'crash']).getVulnerabilities(ref('x'), signal())).rejects.toThrow(/was killed by SIGKILL/);
  });

  test('the abort signal kills the scanner and the error says it timed out', async () => {
    const log = path.join(tmp, 'hang.jsonl');
    const ac = new AbortController();
    setTimeout(() => ac.abort(new VulnTimeoutError(300)), 300);
    const started = Date.now();
    const err = (await trivyGetter([process.execPath, SCANNER, '--mode', 'hang', '--log', log]).getVulnerabilities(ref('x'), ac.signal).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toMatch(/^scanner ".*--mode hang.*" \(-trivy-command\) for 127\.0\.0\.1:5000\/x@sha256:a{64} timed out after 300ms$/);
    const pid = readLog(log)[0]?.pid as number;
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
  });

  test('on timeout the whole process group dies, grandchildren holding the pipes included', async () => {
    const log = path.join(tmp, 'group.jsonl');
    const ac = new AbortController();
    const getter = trivyGetter([process.execPath, SCANNER, '--mode', 'group-hang', '--log', log]);
    const pending = getter.getVulnerabilities(ref('x'), ac.signal).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    );
    for (let i = 0; i < 100 && readLog(log).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const [start, child] = readLog(log);
    expect(child?.event).toBe('child');
    expect(alive(child?.pid as number)).toBe(true);
    ac.abort(new VulnTimeoutError(1000));
    expect((await pending).message).toMatch(/timed out after 1s$/);
    for (let i = 0; i < 40 && (alive(start?.pid as number) || alive(child?.pid as number)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(start?.pid as number)).toBe(false);
    expect(alive(child?.pid as number)).toBe(false);
  });

  test('a wrapper script whose child holds the pipes open still times out promptly', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new VulnTimeoutError(300)), 300);
    const started = Date.now();
    const getter = trivyGetter(['/bin/sh', '-c', 'echo "scanner starting" >&2; sleep 5; echo "{}"']);
    await expect(getter.getVulnerabilities(ref('x'), ac.signal)).rejects.toThrow(/timed out after 300ms; stderr: scanner starting$/);
    expect(Date.now() - started).toBeLessThan(4000); // well before the child's `sleep 5` ends
  });

  test('output over the cap is killed with a clear error, not a crash (600 MiB against a 128 MiB cap)', async () => {
    const log = path.join(tmp, 'huge.jsonl');
    const started = Date.now();
    const err = (await trivyGetter([process.execPath, SCANNER, '--mode', 'huge', '--mb', '600', '--log', log]).getVulnerabilities(ref('x'), signal()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ReimageError);
    expect(err.message).toMatch(/ printed more than 128 MiB \(the cap on scanner output\); the scanner was killed$/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(readLog(log).map((l) => l.event)).toEqual(['start']); // killed before it finished
  }, 60_000);

  test('a small cap applies the same way', async () => {
    await expect(trivyGetter([process.execPath, SCANNER], 1000).getVulnerabilities(ref('x'), signal())).rejects.toThrow(/printed more than 1000 bytes/);
  });

  test('an image without a digest is refused', async () => {
    await expect(trivyGetter([process.execPath, SCANNER]).getVulnerabilities(parseReference('127.0.0.1:5000/x:1'), signal())).rejects.toThrow(/not in digest form/);
  });
});

describe('long timeouts', () => {
  test('setLongTimeout chains timers past Node\'s 2^31-1 ms limit', () => {
    jest.useFakeTimers();
    try {
      const fired = jest.fn();
      const t = setLongTimeout(fired, 720 * 3_600_000);
      jest.advanceTimersByTime(MAX_TIMER_MS);
      expect(fired).not.toHaveBeenCalled();
      jest.advanceTimersByTime(720 * 3_600_000 - MAX_TIMER_MS - 1);
      expect(fired).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(fired).toHaveBeenCalledTimes(1);
      const cleared = jest.fn();
      setLongTimeout(cleared, 3 * MAX_TIMER_MS).clear();
      jest.advanceTimersByTime(4 * MAX_TIMER_MS);
      expect(cleared).not.toHaveBeenCalled();
      t.clear();
    } finally {
      jest.useRealTimers();
    }
  });

  test('-vulncheck-timeout 720h does not time out at once', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const res = await checkImages([ref('scan-clean/a')], opts({ vulncheckTimeoutMs: 720 * 3_600_000, vulncheckCommand: `${SCANNER_CMD} --delay 200` }), silentLogger);
      expect(res.get(ref('scan-clean/a').name)?.error).toBeUndefined();
      expect(res.get(ref('scan-clean/a').name)?.skipped).toBe(false);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});

describe('checkImages with an exec scanner', () => {
  test('per-image results keyed by image.name: pass, fail, error, skipped', async () => {
    const images = [ref('scan-clean/a', '1'), ref('scan-mixed/b', '2'), ref('scan-fail/c', '3'), ref('scan-nonjson/d', '4'), ref('ignored/e', '5'), parseReference('127.0.0.1:5000/notdigest:1')];
    const res = await checkImages(images, opts({ vulncheckMaxCvss: 7.5, vulncheckIgnoreImages: '/ignored/', vulncheckIgnoreCveList: ['CVE-2005-2541'] }), silentLogger);
    expect([...res.keys()].sort()).toEqual(images.map((i) => i.name).sort());
    const get = (i: number) => res.get(images[i]?.name as string);
    expect(get(0)).toMatchObject({ accepted: [], ignored: [], rejected: [], failure: undefined, skipped: false });
    expect(get(0)?.error).toBeUndefined();
    expect(get(1)?.failure).toBe(`image 127.0.0.1:5000/scan-mixed/b@sha256:${hex('2')} has 1 CVEs with score > 7.50: CVE-2023-4911(7.80)`);
    expect(get(1)?.ignored.map((v) => v.id)).toEqual(['CVE-2005-2541']);
    expect(get(1)?.accepted.map((v) => v.id)).toContain('CVE-2023-44487');
    expect(get(2)?.error).toMatch(/for 127\.0\.0\.1:5000\/scan-fail\/c@sha256:3{64} exited with code 2/);
    expect(get(3)?.error).toMatch(/printed no valid trivy-json report/);
    expect(get(4)).toMatchObject({ skipped: true, skipReason: 'matches -vulncheck-ignore-images' });
    expect(get(5)?.error).toMatch(/not in digest form/);
    expect(vulnProblems(res).map((p) => p.image).sort()).toEqual([1, 2, 3, 5].map((i) => images[i]?.name).sort());
  });

  test('-vulncheck-workers bounds the scanners in flight; the per-image timeout applies to each', async () => {
    const log = path.join(tmp, 'conc.jsonl');
    const images = Array.from({ length: 6 }, (_, i) => ref(`scan-clean/app${i}`, String(i)));
    images.push(ref('scan-hang/stuck', 'f'));
    const started = Date.now();
    const res = await checkImages(images, opts({ vulncheckWorkers: 3, vulncheckTimeoutMs: 1500, vulncheckCommand: `${SCANNER_CMD} --delay 150 --log '${log}'` }), silentLogger);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.get(images[6]?.name as string)?.error).toMatch(/for 127\.0\.0\.1:5000\/scan-hang\/stuck@sha256:f{64} timed out after 1.5s/);
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

  test('both limits 0 skip everything without running the scanner', async () => {
    const log = path.join(tmp, 'zero.jsonl');
    const lines: string[] = [];
    const res = await checkImages([ref('a')], opts({ vulncheckMaxCvss: 0, vulncheckCommand: `${SCANNER_CMD} --log '${log}'` }), createLogger('info', (l) => lines.push(l)));
    expect(res.get(ref('a').name)).toMatchObject({ skipped: true, skipReason: 'max CVSS and max risk are 0' });
    expect(fs.existsSync(log)).toBe(false);
    expect(lines.join('')).toContain('skipping vulnerability checks (max CVSS and risk are set to 0)');
  });

  test('a max risk alone turns checks on (grype-json)', async () => {
    const res = await checkImages([ref('a')], opts({ vulncheckMaxCvss: 0, vulncheckMaxRisk: 10, vulncheckCommand: `${SCANNER_CMD} --format grype`, vulncheckFormat: 'grype-json' }), silentLogger);
    expect(res.get(ref('a').name)?.rejected.map((v) => v.id)).toEqual(['CVE-2023-4911']);
  });

  test('commands are split like shellwords', async () => {
    const log = path.join(tmp, 'split me.jsonl');
    const cmd = `${process.execPath} '${SCANNER}' --log "${log}" --fixture clean`;
    const res = await checkImages([ref('a')], opts({ vulncheckCommand: cmd }), silentLogger);
    expect(res.get(ref('a').name)?.error).toBeUndefined();
    expect(readLog(log)).toHaveLength(2);
  });

  test('configuration problems reject as usage errors', async () => {
    await expect(checkImages([ref('a')], opts({ vulncheckCommand: 'trivy "unclosed' }), silentLogger)).rejects.toThrow(/-vulncheck-command/);
    await expect(checkImages([ref('a')], opts({ vulncheckCommand: '', trivyCommand: 'trivy "unclosed' }), silentLogger)).rejects.toThrow(/-trivy-command/);
    await expect(checkImages([ref('a')], opts({ vulncheckIgnoreImages: '(' }), silentLogger)).rejects.toThrow(UsageError);
    await expect(checkImages([ref('a')], opts({ vulncheckMethod: 'nope' }), silentLogger)).rejects.toThrow(/unknown scanning method "nope"/);
  });
});

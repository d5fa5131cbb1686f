import { execFile } from 'node:child_process';
import type { Reference } from '../reference/types';
import { ReimageError } from '../util/errors';
import type { Logger } from '../util/log';
import { dedupeVulnerabilities } from './policy';
import { VulnTimeoutError, type VulnGetter, type Vulnerability } from './types';
import { digestName } from './digest';

/** Scanner output can be large (every package of every layer); the cap only guards against runaways. */
const MAX_OUTPUT = 512 * 1024 * 1024;
const STDERR_LINES = 15;

/**
 * Runs a trivy-compatible command (`-trivy-command`, already split into argv) with the
 * digest reference appended, and reads `trivy image -f json` output. No shell is involved.
 */
export class TrivyVulnGetter implements VulnGetter {
  constructor(
    private readonly argv: readonly string[],
    private readonly log?: Logger,
  ) {
    if (argv.length === 0 || argv[0] === '') throw new ReimageError('-trivy-command is empty');
  }

  async getVulnerabilities(image: Reference, signal: AbortSignal): Promise<Vulnerability[]> {
    const target = digestName(image);
    const file = this.argv[0] as string;
    const args = [...this.argv.slice(1), target];
    const cmd = quoteArgv(this.argv);
    const started = Date.now();
    const { stdout, stderr } = await run(file, args, signal).catch((e: unknown) => {
      throw new ReimageError(describeRunFailure(cmd, target, e, signal), { cause: e });
    });
    this.log?.debug('scanner finished', { cmd, image: target, ms: Date.now() - started, stderr: lastLines(stderr, 3) || undefined });
    return parseTrivyReport(stdout, `trivy command ${cmd} for ${target}`, stderr);
  }
}

interface RunOutput {
  stdout: string;
  stderr: string;
}
interface RunError extends Error {
  code?: number | string | null;
  signal?: NodeJS.Signals | null;
  path?: string;
  stderr?: string;
}

/** After SIGTERM on timeout, a scanner that lingers gets SIGKILL this much later. */
const KILL_GRACE_MS = 2000;

function run(file: string, args: string[], signal: AbortSignal): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: MAX_OUTPUT, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      signal.removeEventListener('abort', onAbort);
      if (error) reject(Object.assign(error, { stderr }) as RunError);
      else resolve({ stdout, stderr });
    });
    let stderrSoFar = '';
    child.stderr?.on('data', (d: string) => {
      if (stderrSoFar.length < 64 * 1024) stderrSoFar += d;
    });
    // Settle at once on abort: a wrapper script's own children can hold the pipes open long
    // after the process we started is gone, and execFile only calls back on 'close'.
    const onAbort = () => {
      child.kill('SIGTERM');
      child.stdout?.destroy();
      child.stderr?.destroy();
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
      reject(Object.assign(new Error('aborted'), { name: 'AbortError', stderr: stderrSoFar }) as RunError);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function describeRunFailure(cmd: string, target: string, e: unknown, signal: AbortSignal): string {
  const err = e as RunError;
  const stderr = firstLines(err.stderr ?? '', STDERR_LINES);
  const tail = stderr ? `; stderr:\n${stderr}` : '';
  if (signal.aborted) {
    const why = signal.reason instanceof VulnTimeoutError ? signal.reason.message : 'was cancelled';
    return `trivy command ${cmd} ${why} scanning ${target}${tail}`;
  }
  if (err.code === 'ENOENT') return `trivy command ${cmd}: ${JSON.stringify(err.path ?? '')} not found (is it installed and on PATH?)`;
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `trivy command ${cmd} printed more than ${MAX_OUTPUT} bytes for ${target}`;
  const how = typeof err.code === 'number' ? `exited with code ${err.code}` : err.signal ? `was killed by ${err.signal}` : `failed (${err.message})`;
  return `trivy command ${cmd} ${how} scanning ${target}${tail}`;
}

/** Parses `trivy image -f json` output; Results / Vulnerabilities may be null or missing. */
export function parseTrivyReport(stdout: string, what: string, stderr = ''): Vulnerability[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    const head = stdout.trim() === '' ? 'empty output' : `output starts ${JSON.stringify(stdout.trimStart().slice(0, 120))}`;
    const tail = stderr.trim() ? `; stderr:\n${firstLines(stderr, STDERR_LINES)}` : '';
    throw new ReimageError(`${what} did not print JSON (${(e as Error).message}; ${head})${tail}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ReimageError(`${what} printed JSON that is not a trivy report object`);
  const vulns: Vulnerability[] = [];
  for (const result of asArray((doc as Record<string, unknown>)['Results'])) {
    for (const v of asArray(field(result, 'Vulnerabilities'))) {
      const id = field(v, 'VulnerabilityID');
      const title = field(v, 'Title');
      vulns.push({
        // Go kept an empty ID as ""; a name keeps it visible in messages without hiding its score.
        id: typeof id === 'string' && id !== '' ? id : 'UNKNOWN',
        score: trivyScore(field(v, 'CVSS')),
        ...(typeof title === 'string' && title !== '' ? { description: title } : {}),
      });
    }
  }
  return dedupeVulnerabilities(vulns);
}

/** The Go tool's rule: highest over all CVSS sources, each taking V3 when non-zero, else V2. */
export function trivyScore(cvss: unknown): number {
  let score = 0;
  if (cvss === null || typeof cvss !== 'object') return score;
  for (const source of Object.values(cvss as Record<string, unknown>)) {
    const v3 = num(field(source, 'V3Score'));
    const s = v3 !== 0 ? v3 : num(field(source, 'V2Score'));
    if (s > score) score = s;
  }
  return score;
}

function field(o: unknown, key: string): unknown {
  return o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
}
function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function firstLines(s: string, n: number): string {
  const lines = s.trimEnd().split('\n');
  return lines.length > n ? [...lines.slice(0, n), `... (${lines.length - n} more lines)`].join('\n') : lines.join('\n');
}
function lastLines(s: string, n: number): string {
  return s.trimEnd().split('\n').slice(-n).join('\n');
}

/** For messages only: the argv as a POSIX shell would need it typed. */
export function quoteArgv(argv: readonly string[]): string {
  return JSON.stringify(argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '));
}

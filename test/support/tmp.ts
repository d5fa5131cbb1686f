/**
 * Temp dirs and cleanup hooks for tests and benches.
 *
 * API
 *   makeTempDir(prefix?: string): Promise<string>
 *       Creates a fresh directory under os.tmpdir() and registers it for removal.
 *   makeTempDirSync(prefix?: string): string
 *       Same, synchronous.
 *   onCleanup(fn: () => void | Promise<void>): void
 *       Registers a cleanup step (stop a server, kill a process). Steps run in reverse order of
 *       registration, once, by runCleanups().
 *   onExitSync(fn: () => void): () => void
 *       Registers a synchronous last-resort step for process exit (e.g. SIGKILL a child); returns an
 *       unregister function.
 *   runCleanups(): Promise<void>
 *       Runs every registered cleanup step, then removes every temp dir. Idempotent.
 *   runCommand(file, args, opts?: { env?, cwd?, timeoutMs?, input? }): Promise<{ stdout: Buffer; stderr: string }>
 *       execFile without a shell; the error message carries argv and the stderr tail.
 *
 * Under jest, importing this module registers `afterAll(runCleanups)` for the importing test file
 * (jest gives every test file its own module registry), so servers and dirs go away after the file's
 * tests even when a test forgets to stop them. Outside jest (benches) call runCleanups() yourself;
 * there, temp dirs and registered children are also removed/killed synchronously on process exit
 * (inside jest the sandboxed `process` never delivers 'exit', so the afterAll hook is what counts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type CleanupFn = () => void | Promise<void>;

const cleanups: CleanupFn[] = [];
const dirs = new Set<string>();
const exitFns = new Set<() => void>();

function exitHandler(): void {
  for (const fn of exitFns) {
    try {
      fn();
    } catch {
      // best effort on exit
    }
  }
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort on exit
    }
  }
}
process.once('exit', exitHandler);

function safePrefix(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export async function makeTempDir(prefix = 'reimage-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), safePrefix(prefix)));
  dirs.add(dir);
  return dir;
}

export function makeTempDirSync(prefix = 'reimage-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), safePrefix(prefix)));
  dirs.add(dir);
  return dir;
}

export function onCleanup(fn: CleanupFn): void {
  cleanups.push(fn);
}

export function onExitSync(fn: () => void): () => void {
  exitFns.add(fn);
  return () => {
    exitFns.delete(fn);
  };
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn?.();
    } catch (e) {
      process.stderr.write(`cleanup step failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  const all = [...dirs];
  dirs.clear();
  await Promise.all(all.map((d) => rm(d, { recursive: true, force: true }).catch(() => undefined)));
}

// Register with jest when present (jest defines afterAll as a global inside test files).
const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>, timeout?: number) => void }).afterAll;
if (typeof jestAfterAll === 'function') {
  try {
    jestAfterAll(runCleanups, 30_000);
  } catch {
    // imported from inside a running test/hook: the caller must call runCleanups() itself
  }
}

/** Runs a program (no shell) and resolves with stdout; rejects with a message holding the argv and stderr tail. */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const errText = stderr.toString('utf8');
        if (error) {
          reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${errText.slice(-2000)}`));
          return;
        }
        resolve({ stdout, stderr: errText });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

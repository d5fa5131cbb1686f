/**
 * One CLI run: flags and FunctionConfig -> RunSettings -> pipeline -> results on stderr -> output stage.
 * Exit codes: 0 success, 1 a failure (bad input, registry, CVE gate...), 2 a command-line syntax error
 * (Go's flag package). On any failure stdout stays empty.
 */
import { FlagError } from '../gocompat/flag';
import { formatResult, hasErrors } from '../krm/results';
import { copyProgress, emitOutput, MAPPINGS_ONLY_WITH_STDIN, readInput, runPipeline } from '../run';
import type { Input } from '../run';
import { describeError, UsageError } from '../util/errors';
import { createLogger } from '../util/log';
import { safeLine } from '../util/text';
import { parseFlags, resolveOptions } from './config';

export interface Io {
  /** Raw bytes (validated as UTF-8 by readInput) or already-decoded text */
  readStdin(): Promise<string | Uint8Array>;
  /** True when stdin holds data; used only when no manifests are read (-mappings-only). */
  stdinHasData(final: boolean): Promise<boolean>;
  /** Resolves once written; rejects on EPIPE, ENOSPC and other write errors. */
  stdout(text: string): Promise<void>;
  stderr(text: string): void;
  /** The stream behind stderr, when it may be a terminal (live copy progress) */
  stderrStream?: { isTTY?: boolean; write(s: string): unknown };
}

/** Exit code for a thrown error. */
export function exitCodeFor(e: unknown): number {
  return e instanceof FlagError ? 2 : 1;
}

/** stdout write failures, in one line: the reader went away, or the disk is full. */
function describeStdoutError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EPIPE') return 'cannot write stdout: the reader closed it early (EPIPE); output is incomplete';
  if (code === 'ENOSPC') return 'cannot write stdout: no space left on device (ENOSPC); output is incomplete';
  return `cannot write stdout: ${describeError(e)}`;
}

export async function run(argv: string[], io: Io): Promise<number> {
  // Log lines go through the progress reporter, so a live copy line on a terminal is never torn.
  let log = createLogger('info', io.stderr);
  const progress = copyProgress(io.stderrStream ?? { write: io.stderr }, () => log);
  try {
    const flags = parseFlags(argv);
    let input: Input | undefined;
    if (flags.options.mappingsOnly) {
      // Nothing is read, so nothing would be printed: with a ResourceList waiting, kpt would delete the package.
      if (await io.stdinHasData(false)) throw new UsageError(MAPPINGS_ONLY_WITH_STDIN);
    } else {
      input = readInput(await io.readStdin(), flags.options.input);
    }
    const { options, warnings } = resolveOptions(argv, input?.mode === 'krm' ? input.functionConfig : undefined);
    log = createLogger(options.debug ? 'debug' : 'info', (line) => progress.write(line));
    for (const w of warnings) log.info(w);
    if (options.mappingsOnly && input) throw new UsageError('mappings-only cannot be set in a FunctionConfig: it reads no manifests');
    const { results, output } = await runPipeline(options, input, progress, log);
    for (const r of results) if (r.severity !== 'info' || options.debug) io.stderr(formatResult(r) + '\n');
    if (hasErrors(results) || !output) return 1;
    try {
      await emitOutput(output, { stdout: (t) => io.stdout(t), stdinHasData: () => io.stdinHasData(true) });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      io.stderr(`reimage: error: ${safeLine(describeStdoutError(e))}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    io.stderr(`reimage: error: ${safeLine(describeError(e))}\n`);
    if (process.env['REIMAGE_STACK'] && e instanceof Error) io.stderr(`${e.stack}\n`);
    return exitCodeFor(e);
  }
}

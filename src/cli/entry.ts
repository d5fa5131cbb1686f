// The CLI proper (src/cli/main.ts runs it). --help and --version are answered before the pipeline (YAML, jsonpath) is even loaded.
import { parseFlags } from './flags';
import { helpText, versionText } from './help';
import { readAll, StdinProbe, writeAll } from './stdio';
import { tuneV8ForInput } from './v8flags';

function early(argv: string[]): string | undefined {
  try {
    const { options } = parseFlags(argv);
    if (options.help) return helpText();
    if (options.version) return versionText();
  } catch {
    // a bad flag is reported by run(), with the same one-line error as every other failure
  }
  return undefined;
}

// A write error on stdout/stderr is handled where it happens (or ignored for stderr), never a crash with a stack.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
// With `ulimit -f`, a write past the limit fails with EFBIG instead of killing the process.
process.on('SIGXFSZ', () => undefined);

async function main(argv: string[]): Promise<number> {
  const text = early(argv);
  if (text !== undefined) {
    await writeAll(process.stdout, text).catch(() => undefined);
    return 0;
  }
  const { run } = require('./app') as typeof import('./app');
  const probe = new StdinProbe();
  try {
    return await run(argv, {
      readStdin: async () => {
        const input = await readAll(process.stdin);
        tuneV8ForInput(input.length);
        return input;
      },
      stdinHasData: (final) => (final ? probe.finalCheck() : probe.hasData()),
      stdout: (t) => writeAll(process.stdout, t),
      stderr: (t) => process.stderr.write(t),
      stderrStream: process.stderr,
    });
  } finally {
    probe.release();
  }
}

let settled = false;
// Node exits 0 when nothing is left to wait for, even with the run unfinished (a promise nobody will settle):
// with nothing on stdout, kpt would then delete the package. That is an internal error, said as one.
process.on('exit', (code) => {
  if (settled || code !== 0) return;
  process.stderr.write('reimage: internal error: the run stopped before it finished (nothing was left to wait for); no output was written\n');
  process.exitCode = 70;
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (e: unknown) => {
    settled = true;
    process.stderr.write(`reimage: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);

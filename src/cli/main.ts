#!/usr/bin/env node
// Entry point. --help and --version are answered before the pipeline (YAML, jsonpath) is even loaded.
import { parseFlags } from './flags';
import { helpText, versionText } from './help';

// Bytes, not a string: readInput refuses invalid UTF-8 instead of letting it become U+FFFD.
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

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

async function main(argv: string[]): Promise<number> {
  const text = early(argv);
  if (text !== undefined) {
    process.stdout.write(text);
    return 0;
  }
  const { run } = require('../run') as typeof import('../run');
  return run(argv, {
    readStdin,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrStream: process.stderr,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`reimage: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);

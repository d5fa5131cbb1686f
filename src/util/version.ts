import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set by scripts/bundle.js (esbuild `define`): a bundle or single executable has no package.json beside it. */
declare const REIMAGE_VERSION: string | undefined;

let cached: string | undefined;

/** reimage's version: the bundler's constant, else package.json two or three levels above this file (dist/, src/). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  if (typeof REIMAGE_VERSION === 'string') return (cached = REIMAGE_VERSION);
  for (const rel of [['..', '..', 'package.json'], ['..', '..', '..', 'package.json']]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, ...rel), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'reimage' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // Try the next candidate.
    }
  }
  return (cached = 'unknown');
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Doer } from './types';
import { withHeaders } from './types';

/** `reimage/<version>`, read from package.json three levels above this file (src/ under ts-jest, dist/ when built). */
export function defaultUserAgent(): string {
  for (const rel of [['..', '..', 'package.json'], ['..', '..', '..', 'package.json']]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, ...rel), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'reimage' && typeof pkg.version === 'string') return `reimage/${pkg.version}`;
    } catch {
      // Try the next candidate.
    }
  }
  return 'reimage/0.0.0';
}

export function withUserAgent(inner: Doer, userAgent: string): Doer {
  return (req) => inner(withHeaders(req, { 'user-agent': userAgent }));
}

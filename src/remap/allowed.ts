import type { GoRegexp } from '../gocompat/regexp';
import type { Reference } from '../reference/types';
import type { Remapper } from './remapper';
import { RemapError } from './remapper';

export class NotAllowedError extends RemapError {
  override name = 'NotAllowedError';
}

/** The problem with `ref` under -allowed-registries, tested on REGISTRY/REPOSITORY (e.g. "ghcr.io/org/app"), or undefined. */
export function allowedProblem(ref: Reference, allowed: GoRegexp, source: string): string | undefined {
  if (allowed.test(ref.context)) return undefined;
  return `registry ${ref.context} is not allowed by -allowed-registries ${JSON.stringify(source)}`;
}

/** -allowed-registries: the final name (after renaming) must match; runs before anything is copied. */
export function allowedRemapper(allowed: GoRegexp, source: string): Remapper {
  return {
    name: 'allowed',
    async remap(h) {
      const problem = allowedProblem(h.latest, allowed, source);
      if (problem) throw new NotAllowedError(`${h.original.original}: ${problem}`);
    },
  };
}

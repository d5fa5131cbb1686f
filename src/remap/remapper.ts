import type { Platform } from '../reference/platform';
import type { ImageRegistry } from '../registry/types';
import type { Logger } from '../util/log';
import { ReimageError } from '../util/errors';
import type { History } from './history';

/** Returned by a remapper to stop the chain and leave the image exactly as written. */
export const SKIP = Symbol('skip');
export type RemapOutcome = void | typeof SKIP;

export interface RemapContext {
  /** Created on first use, so runs that need no registry never load the client. */
  registry(): ImageRegistry;
  log: Logger;
  /** -platform: the original's digest is that of this platform's manifest */
  platform?: Platform;
  /** The chain copies renamed images (not -no-copy, not -dryrun): originals are resolved ready for a copy. */
  copies?: boolean;
}

/** One step of the chain (ignore → static → rename → record → ensure), as in the Go reimage. */
export interface Remapper {
  readonly name: string;
  /** Has side effects (copies): runs only once every image has passed every step before it. */
  readonly effect?: boolean;
  remap(history: History, ctx: RemapContext): Promise<RemapOutcome>;
}

export class RemapError extends ReimageError {
  override name = 'RemapError';
}

/** The original's digest, resolved once and remembered: this is also the existence check. */
export async function originalDigest(history: History, ctx: RemapContext): Promise<string> {
  history.digest ??= await (ctx.platform ? ctx.registry().resolvePlatform(history.original, ctx.platform) : ctx.registry().resolve(history.original, ctx.copies ? { forCopy: true } : undefined));
  return history.digest;
}

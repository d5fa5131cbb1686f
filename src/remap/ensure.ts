import { withDigest } from '../reference';
import type { CopyProgress, CopyStats } from '../registry/types';
import type { Remapper } from './remapper';
import { originalDigest } from './remapper';

export interface EnsureSettings {
  noClobber: boolean;
  dryRun: boolean;
  /** -copy-referrers: referrers are synced even when the target already holds the image */
  copyReferrers?: boolean;
  onCopied?: (src: string, dst: string, stats: CopyStats) => void;
  onProgress?: (dst: string, progress: CopyProgress) => void;
}

/**
 * Makes sure the final name serves the original's content, copying when the target is missing or differs.
 * Copies from original@digest, not the tag, so a tag that moved since the digest was recorded cannot leak in.
 */
export function ensureRemapper(settings: EnsureSettings): Remapper {
  return {
    name: 'ensure',
    effect: true,
    async remap(h, ctx) {
      const src = h.original;
      const dst = h.latest;
      if (dst === src) return;
      const digest = await originalDigest(h, ctx);
      if (dst.context === src.context && (dst.digest === digest || dst.identifier === src.identifier)) return;
      const current = await ctx.registry().digestIfExists(dst, settings.dryRun ? undefined : { forPush: true });
      if (current === digest) {
        ctx.log.debug('target already holds the image', { image: dst.original, digest });
        if (!settings.copyReferrers || settings.dryRun) return;
      }
      const from = withDigest(src, digest);
      if (settings.dryRun) {
        ctx.log.info('dry-run, skipping copy', { src: from.name, dst: dst.original });
        return;
      }
      if (current !== digest) ctx.log.info(current ? 'target differs, copying' : 'copying image', { src: from.name, dst: dst.original });
      const onProgress = settings.onProgress;
      const stats = await ctx.registry().copy(from, dst, { noClobber: settings.noClobber, ...(settings.copyReferrers ? { copyReferrers: true } : {}), ...(onProgress ? { onProgress: (p: CopyProgress) => onProgress(dst.original, p) } : {}) });
      settings.onCopied?.(from.name, dst.original, stats);
    },
  };
}

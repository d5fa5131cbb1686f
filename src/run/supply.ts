/** The issue-11 settings, resolved once from Options into the narrow shapes the stages take. */
import type { Options } from '../cli/options';
import { compileGoRegexp } from '../gocompat/regexp';
import type { GoRegexp } from '../gocompat/regexp';
import type { KustomizeImage } from '../mappings/kustomize';
import { parseMirror } from '../reference/mirror';
import type { Mirror } from '../reference/mirror';
import { parsePlatform } from '../reference/platform';
import type { Platform } from '../reference/platform';
import type { PinSettings } from '../remap';
import { UsageError } from '../util/errors';
import type { Logger } from '../util/log';
import type { ImageState } from './index';

export interface SupplySettings {
  pin: PinSettings;
  allowed: { re: GoRegexp; source: string } | undefined;
  platform: Platform | undefined;
  mirrors: Mirror[];
  concurrency: number;
  /** -write-kustomize-images: the list is computed (and refused) before any file is written */
  kustomizeImages(states: readonly ImageState[]): { write(dryRun: boolean, log: Logger): Promise<void> } | undefined;
}

const usage = (flag: string, f: () => unknown): void => {
  try {
    f();
  } catch (e) {
    throw new UsageError(`-${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

export function supplySettings(o: Options): SupplySettings {
  let platform: Platform | undefined;
  if (o.platform) usage('platform', () => (platform = parsePlatform(o.platform)));
  const mirrors: Mirror[] = [];
  for (const m of o.registryMirrors) usage('registry-mirror', () => mirrors.push(parseMirror(m)));
  return {
    // A platform pin must name the platform's manifest, so the output is always in digest form.
    pin: { forceDigest: o.renameForceDigest || o.keepTag || platform !== undefined, keepTag: o.keepTag },
    allowed: o.allowedRegistries ? { re: compileGoRegexp(o.allowedRegistries, '-allowed-registries'), source: o.allowedRegistries } : undefined,
    platform,
    mirrors,
    concurrency: o.concurrency,
    kustomizeImages(states) {
      const file = o.writeKustomizeImages;
      if (!file) return undefined;
      const k = require('../mappings/kustomize') as typeof import('../mappings/kustomize');
      const rewrites = states.flatMap((s) => (s.outcome.kind === 'mapped' ? [{ original: s.original, final: s.outcome.final }] : []));
      const images: KustomizeImage[] = k.kustomizeImages(rewrites);
      return {
        async write(dryRun, log) {
          if (dryRun) return log.info('dry-run, will not write kustomize images', { entries: images.length });
          await k.writeKustomizeImages(file, images);
          log.info('wrote kustomize images', { file, entries: images.length });
        },
      };
    },
  };
}

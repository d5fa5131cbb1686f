/** The supply-chain flags (pins, policy, platforms, mirrors, referrers, kustomize export), resolved once into the shapes the stages take. */
import { compileGoRegexp } from '../gocompat/regexp';
import type { GoRegexp } from '../gocompat/regexp';
import { checkWritable } from '../mappings/file';
import type { KustomizeImage } from '../mappings/kustomize';
import { parseMirror } from '../reference/mirror';
import type { Mirror } from '../reference/mirror';
import { parsePlatform } from '../reference/platform';
import type { Platform } from '../reference/platform';
import type { PinSettings } from '../remap';
import { UsageError } from '../util/errors';
import type { Logger } from '../util/log';
import type { ImageState } from './state';

/** The flags this module reads; the comment names the flag. */
export interface SupplyFlags {
  /** -rename-force-digest */
  renameForceDigest: boolean;
  /** -keep-tag: digest-pinned output keeps the name and tag as written, name:tag@sha256:… (implies pinning) */
  keepTag: boolean;
  /** -verify-only: change and copy nothing; fail unless every image field is pinned, exists and passes the policies */
  verifyOnly: boolean;
  /** -allowed-registries: Go regexp that REGISTRY/REPOSITORY of every final image must match */
  allowedRegistries: string;
  /** -copy-referrers: copies also carry cosign tags and OCI referrers (recursively) */
  copyReferrers: boolean;
  /** -platform os/arch[/variant]: pin and copy this platform's manifest out of an index */
  platform: string;
  /** -write-kustomize-images: write the mappings as a kustomize images: list to this file */
  writeKustomizeImages: string;
  /** -registry-mirror REGISTRY=MIRROR[/PREFIX]: read from the mirror, check digests on the registry; repeatable */
  registryMirrors: string[];
  /** -dryrun */
  dryRun: boolean;
  /** -concurrency */
  concurrency: number;
}

export const SUPPLY_DEFAULTS = {
  keepTag: false,
  verifyOnly: false,
  allowedRegistries: '',
  copyReferrers: false,
  platform: '',
  writeKustomizeImages: '',
  registryMirrors: [],
} as const satisfies Partial<SupplyFlags>;

export interface SupplySettings {
  pin: PinSettings;
  allowed: { re: GoRegexp; source: string } | undefined;
  platform: Platform | undefined;
  mirrors: Mirror[];
  concurrency: number;
  /** -write-kustomize-images: the list is computed (and refused) before any file is written */
  kustomizeImages(states: readonly ImageState[]): { write(dryRun: boolean, log: Logger): Promise<void> } | undefined;
  /** Fails early (before any lookup or copy) when the kustomize file cannot be written */
  checkWritable(): Promise<void>;
}

const usage = (flag: string, f: () => unknown): void => {
  try {
    f();
  } catch (e) {
    throw new UsageError(`-${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

export function supplySettings(o: SupplyFlags): SupplySettings {
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
    async checkWritable() {
      if (o.writeKustomizeImages && !o.dryRun) await checkWritable('-write-kustomize-images', o.writeKustomizeImages);
    },
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

/** -platform: the digest of one platform's manifest, out of an index (or a single manifest that is that platform). */
import type { Platform } from '../../reference/platform';
import { formatPlatform, platformMatches } from '../../reference/platform';
import { ReimageError } from '../../util/errors';
import { parseManifest } from '../media';
import { fetchBlob } from './blob';
import type { RemoteContext, Repo } from './context';
import { getManifest } from './manifest';

export class PlatformError extends ReimageError {
  override name = 'PlatformError';
}

/** `name` is how the image is shown in errors. The manifest GET checks a digest identifier as usual. */
export async function platformDigest(ctx: RemoteContext, repo: Repo, id: string, want: Platform, name: string): Promise<string> {
  const m = await getManifest(ctx, repo, id);
  const parsed = parseManifest(m.bytes, m.mediaType);
  if (parsed.kind === 'index') {
    const candidates = parsed.manifests.filter((d) => d.platform && platformMatches(want, d.platform));
    // An exact variant beats "any variant" (linux/arm64 against an index with v8 and an unlabelled one).
    const hit = candidates.find((d) => (d.platform?.variant ?? undefined) === want.variant) ?? candidates[0];
    if (!hit) {
      const have = parsed.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'no platform'));
      throw new PlatformError(`${name}: no ${formatPlatform(want)} manifest in the index; it has ${have.length ? [...new Set(have)].join(', ') : 'no manifests'}`);
    }
    return hit.digest;
  }
  // A single manifest: its config names the one platform it is for.
  const config = JSON.parse((await fetchBlob(ctx, repo, parsed.config.digest)).toString('utf8')) as { os?: string; architecture?: string; variant?: string };
  if (!platformMatches(want, config)) {
    throw new PlatformError(`${name}: a single-platform image for ${formatPlatform(config)}, not ${formatPlatform(want)}; it has ${formatPlatform(config)}`);
  }
  return m.digest;
}

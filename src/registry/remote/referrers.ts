/**
 * -copy-referrers: what refers to a copied image travels with it. Two schemes, both for the index and every
 * platform manifest, and recursively (a signature on an SBOM):
 *   - cosign tags sha256-<hex>.sig/.att/.sbom in the same repository;
 *   - OCI 1.1 referrers: GET /v2/<name>/referrers/<digest> where the registry has it, else the referrers tag
 *     sha256-<hex> holding an index of them (distribution-spec "Unavailable Referrers API").
 * On a target without the referrers API the tag is kept up to date (merged, never truncated), as the spec asks
 * of a client pushing a manifest with a subject. Every manifest moves by digest through the Copier, so digests
 * are checked and never change.
 */
import { ReimageError } from '../../util/errors';
import { errorFromResponse, RegistryError } from '../errors';
import { sha256 } from '../digest';
import type { Descriptor } from '../media';
import { OCI_INDEX, parseManifest } from '../media';
import { discard } from '../transport/types';
import type { RemoteContext, Repo } from './context';
import { pullScope, readBody } from './context';
import type { Copier, CopyRun } from './copy';
import type { FetchedManifest } from './manifest';
import { getManifest, headManifest } from './manifest';
import { pushAll } from '../../util/arrays';

export const COSIGN_SUFFIXES = ['.sig', '.att', '.sbom'] as const;
/** Bounds on hostile or runaway graphs. */
const MAX_SUBJECTS = 256;
const MAX_PAGES = 20;

/** distribution-spec referrers tag: sha256:abc… → sha256-abc… */
export const referrersTag = (digest: string): string => digest.replace(':', '-');

export interface ReferrersFound {
  descriptors: Descriptor[];
  /** The referrers tag's index, when that is where they came from (copied verbatim if the target has none). */
  fromTag?: FetchedManifest;
}

function pathOf(link: string): string | undefined {
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  if (!m?.[1]) return undefined;
  const u = new URL(m[1], 'http://relative.invalid');
  return `${u.pathname}${u.search}`;
}

/** The referrers API's answer, or undefined when the registry has no such API (404, as distribution 2.8). */
async function referrersApi(ctx: RemoteContext, repo: Repo, digest: string): Promise<Descriptor[] | undefined> {
  const out: Descriptor[] = [];
  let url: string | undefined = `/v2/${repo.repository}/referrers/${digest}`;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await ctx.doer({ method: 'GET', url, registry: repo.registry, scopes: pullScope(repo), headers: { accept: OCI_INDEX } });
    if (page === 0 && (res.status === 404 || res.status === 405 || res.status === 501)) {
      await discard(res);
      return undefined;
    }
    if (res.status !== 200) throw await errorFromResponse('GET', `${repo.registry}${url}`, res, `listing referrers of ${repo.registry}/${repo.repository}@${digest}`);
    const bytes = await readBody(res, 'GET', `${repo.registry}${url}`);
    const parsed = parseManifest(bytes, OCI_INDEX);
    if (parsed.kind === 'index') pushAll(out, parsed.manifests);
    const link = res.headers.get('link');
    url = link ? pathOf(link) : undefined;
  }
  return out;
}

/** The referrers tag's index, or undefined when there is none (or it is not an index, which the spec says to ignore). */
async function referrersTagIndex(ctx: RemoteContext, repo: Repo, digest: string): Promise<FetchedManifest | undefined> {
  const at = await headManifest(ctx, repo, referrersTag(digest));
  if (!at) return undefined;
  const m = await getManifest(ctx, repo, at);
  return parseManifest(m.bytes, m.mediaType).kind === 'index' ? m : undefined;
}

export async function findReferrers(ctx: RemoteContext, repo: Repo, digest: string): Promise<ReferrersFound> {
  const api = await referrersApi(ctx, repo, digest);
  if (api) return { descriptors: api };
  const fromTag = await referrersTagIndex(ctx, repo, digest);
  if (!fromTag) return { descriptors: [] };
  const parsed = parseManifest(fromTag.bytes, fromTag.mediaType);
  return { descriptors: parsed.kind === 'index' ? parsed.manifests : [], fromTag };
}

function indexOf(descriptors: readonly Descriptor[]): FetchedManifest {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }));
  return { bytes, mediaType: OCI_INDEX, digest: sha256(bytes) };
}

export interface ReferrerStats {
  /** Referrer manifests (cosign tags and OCI referrers) now at the target */
  referrers: number;
}

/** One per copy: walks the referrer graph of `root` (and its platform manifests) from src to dst. */
export class ReferrerSync {
  private readonly apiAt = new Map<string, Promise<boolean>>();
  constructor(private readonly ctx: RemoteContext, private readonly copier: Copier) {}

  /** `canonical`: with -registry-mirror, the registry whose HEADs confirm every tag the mirror serves. */
  async copy(src: Repo, dst: Repo, root: FetchedManifest, run: CopyRun, canonical?: Repo): Promise<ReferrerStats> {
    const stats: ReferrerStats = { referrers: 0 };
    const seen = new Set<string>();
    const queue: string[] = [];
    const enqueue = (m: FetchedManifest): void => {
      queue.push(m.digest);
      const parsed = parseManifest(m.bytes, m.mediaType);
      if (parsed.kind === 'index') for (const child of parsed.manifests) queue.push(child.digest);
    };
    enqueue(root);
    while (queue.length) {
      const subject = queue.shift() as string;
      if (seen.has(subject)) continue;
      seen.add(subject);
      if (seen.size > MAX_SUBJECTS) throw new ReimageError(`more than ${MAX_SUBJECTS} manifests refer to ${src.registry}/${src.repository}@${root.digest}; refusing to copy them all`);
      for (const m of await this.cosignTags(src, dst, subject, run, canonical)) {
        stats.referrers++;
        enqueue(m);
      }
      for (const m of await this.ociReferrers(src, dst, subject, run, canonical)) {
        stats.referrers++;
        enqueue(m);
      }
    }
    return stats;
  }

  /** Each cosign tag of `subject` that exists at the source, copied under the same tag unless already there. */
  private async cosignTags(src: Repo, dst: Repo, subject: string, run: CopyRun, canonical: Repo | undefined): Promise<FetchedManifest[]> {
    const out: FetchedManifest[] = [];
    // The three HEADs at once: most images have none of these tags.
    const tags = COSIGN_SUFFIXES.map((suffix) => `${referrersTag(subject)}${suffix}`);
    const digests = await Promise.all(tags.map((tag) => headManifest(this.ctx, src, tag)));
    for (const [i, tag] of tags.entries()) {
      const digest = digests[i];
      if (!digest) continue;
      await this.confirm(canonical, src, tag, digest);
      const m = await getManifest(this.ctx, src, digest);
      if ((await headManifest(this.ctx, dst, tag)) !== digest) {
        this.ctx.log?.debug('copying cosign tag', { tag, digest, dst: `${dst.registry}/${dst.repository}` });
        await this.copier.copyManifest(src, m, dst, tag, run);
      }
      out.push(m);
    }
    return out;
  }

  /** The OCI referrers of `subject`, copied by digest; on a target without the API, its referrers tag is merged. */
  private async ociReferrers(src: Repo, dst: Repo, subject: string, run: CopyRun, canonical: Repo | undefined): Promise<FetchedManifest[]> {
    const found = await findReferrers(this.ctx, src, subject);
    if (found.descriptors.length === 0) return [];
    if (found.fromTag) await this.confirm(canonical, src, referrersTag(subject), found.fromTag.digest);
    const fetched = await Promise.all(found.descriptors.map((d) => getManifest(this.ctx, src, d.digest)));
    if (await this.hasApi(dst, subject)) {
      for (const m of fetched) if (!(await headManifest(this.ctx, dst, m.digest))) await this.copier.copyManifest(src, m, dst, m.digest, run);
      return fetched;
    }
    const tag = referrersTag(subject);
    const existing = await referrersTagIndex(this.ctx, dst, subject);
    if (!existing) {
      // Verbatim when the source had the tag: same digest on both sides.
      await this.copier.copyManifest(src, found.fromTag ?? indexOf(found.descriptors), dst, tag, run);
      return fetched;
    }
    const have = parseManifest(existing.bytes, existing.mediaType);
    const listed = have.kind === 'index' ? have.manifests : [];
    const missing = found.descriptors.filter((d) => !listed.some((l) => l.digest === d.digest));
    if (missing.length) {
      // The target's own entries stay; ours are appended (children already at the target are not fetched again).
      await this.copier.copyManifest(src, indexOf([...listed, ...missing]), dst, tag, run);
    } else {
      for (const m of fetched) if (!(await headManifest(this.ctx, dst, m.digest))) await this.copier.copyManifest(src, m, dst, m.digest, run);
    }
    return fetched;
  }

  /** A tag read from a mirror must name the same digest on the canonical registry. */
  private async confirm(canonical: Repo | undefined, mirror: Repo, tag: string, digest: string): Promise<void> {
    if (!canonical) return;
    const truth = await headManifest(this.ctx, canonical, tag);
    if (truth !== digest) {
      throw new RegistryError(
        `mirror ${mirror.registry}/${mirror.repository}:${tag} is ${digest}, but ${canonical.registry}/${canonical.repository}:${tag} is ${truth ?? 'absent'}; refusing the mirror`,
        { temporary: false },
      );
    }
  }

  private hasApi(repo: Repo, subject: string): Promise<boolean> {
    const key = `${repo.registry}/${repo.repository}`;
    let p = this.apiAt.get(key);
    if (!p) {
      p = referrersApi(this.ctx, repo, subject).then((r) => r !== undefined);
      this.apiAt.set(key, p);
    }
    return p;
  }
}

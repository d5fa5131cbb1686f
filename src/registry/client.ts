import type { Mirror } from '../reference/mirror';
import type { Platform } from '../reference/platform';
import { DEFAULT_REGISTRY } from '../reference/reference';
import type { Reference } from '../reference/types';
import { Semaphore } from '../util/concurrency';
import { defaultKeychain } from './auth/keychain';
import { ClobberError, isNotFound, isRegistryError, RegistryError } from './errors';
import type { RemoteContext, Repo } from './remote/context';
import { pushScope } from './remote/context';
import { Copier, CopyRun } from './remote/copy';
import type { FetchedManifest } from './remote/manifest';
import { getManifest, headManifest } from './remote/manifest';
import { pullMappingsImage, pushMappingsImage } from './remote/mappings-image';
import { platformDigest } from './remote/platform';
import { ReferrerSync } from './remote/referrers';
import { createTransport } from './transport';
import { DEFAULT_RETRY } from './transport/retry';
import type { CopyOptions, CopyStats, ImageRegistry, RegistryClientOptions, ResolveOptions } from './types';

const repoOf = (ref: Reference): Repo => ({ registry: ref.registry, repository: ref.repository });

function notFound(ref: Reference): RegistryError {
  return new RegistryError(`${ref.original}: manifest unknown`, { status: 404, diagnostics: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
}

/** Registries whose pull limit counts manifest GETs, not HEADs (Docker Hub): a tag is resolved there by HEAD. */
const GET_COUNTED = new Set([DEFAULT_REGISTRY, 'registry-1.docker.io']);
export const getCostsMoreThanHead = (registry: string): boolean => GET_COUNTED.has(registry);

/** Manifests read whole by resolve() until their copy takes them; bounded, as most runs copy few of them. */
class KeptManifests {
  private readonly byKey = new Map<string, FetchedManifest>();
  private bytes = 0;
  constructor(private readonly maxEach = 256 << 10, private readonly maxAll = 16 << 20) {}
  keep(key: string, m: FetchedManifest): void {
    if (m.bytes.length > this.maxEach || this.bytes + m.bytes.length > this.maxAll || this.byKey.has(key)) return;
    this.byKey.set(key, m);
    this.bytes += m.bytes.length;
  }
  take(key: string): FetchedManifest | undefined {
    const m = this.byKey.get(key);
    if (m) {
      this.byKey.delete(key);
      this.bytes -= m.bytes.length;
    }
    return m;
  }
}

/** One per run: tokens, pings, the request limit and what each image name resolved to are shared. */
class RegistryClient implements ImageRegistry {
  /** ref.name → digest, or undefined for "does not exist"; each distinct image is asked about once. */
  private readonly digests = new Map<string, Promise<string | undefined>>();
  private readonly copier: Copier;
  private readonly referrers: ReferrerSync;
  private readonly platforms = new Map<string, Promise<string>>();
  private readonly mirrors: ReadonlyMap<string, Mirror>;
  private readonly kept = new KeptManifests();

  constructor(private readonly ctx: RemoteContext, mirrors: readonly Mirror[] = []) {
    this.copier = new Copier(ctx);
    this.referrers = new ReferrerSync(ctx, this.copier);
    this.mirrors = new Map(mirrors.map((m) => [m.registry, m]));
  }

  /** Where an image's content is read from: its -registry-mirror, if any. Names elsewhere stay canonical. */
  private readRepo(ref: Reference): Repo {
    const m = this.mirrors.get(ref.registry);
    if (!m) return repoOf(ref);
    return { registry: m.mirror, repository: m.prefix ? `${m.prefix}/${ref.repository}` : ref.repository };
  }

  digestIfExists(ref: Reference, opts?: { forPush?: boolean }): Promise<string | undefined> {
    return this.lookup(ref, opts?.forPush ? 'head-push' : 'head');
  }

  /**
   * 'get': one GET whose verified body waits for the copy, where a HEAD would be followed by that GET.
   * 'head-push': HEAD with a pull,push token (the copy's pushes reuse it); a refused token means pull alone.
   */
  private lookup(ref: Reference, how: 'head' | 'get' | 'head-push'): Promise<string | undefined> {
    let p = this.digests.get(ref.name);
    if (!p) {
      const repo = repoOf(ref);
      p = how === 'get' ? this.getAndKeep(repo, ref.identifier) : how === 'head' ? headManifest(this.ctx, repo, ref.identifier) : this.headForPush(repo, ref.identifier);
      this.digests.set(ref.name, p);
      // Failures are not facts about the image: let a later call ask again.
      p.catch(() => this.digests.delete(ref.name));
    }
    return p;
  }

  private async headForPush(repo: Repo, id: string): Promise<string | undefined> {
    try {
      return await headManifest(this.ctx, repo, id, pushScope(repo));
    } catch (e) {
      // Read-only credentials on a strict token server: the check itself only needs pull.
      if (!isRegistryError(e) || (e.status !== 401 && e.status !== 403)) throw e;
      return headManifest(this.ctx, repo, id);
    }
  }

  private async getAndKeep(repo: Repo, id: string): Promise<string | undefined> {
    let m: FetchedManifest;
    try {
      m = await getManifest(this.ctx, repo, id);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    this.kept.keep(`${repo.registry}/${repo.repository}@${m.digest}`, m);
    return m.digest;
  }

  async resolve(ref: Reference, opts?: ResolveOptions): Promise<string> {
    const get = opts?.forCopy === true && !this.mirrors.has(ref.registry) && !getCostsMoreThanHead(ref.registry);
    const digest = await this.lookup(ref, get ? 'get' : 'head');
    if (digest === undefined) throw notFound(ref);
    const mirror = this.mirrors.has(ref.registry) ? this.readRepo(ref) : undefined;
    if (mirror) {
      // The canonical HEAD is the truth (and free on Docker Hub); the mirror must serve the same digest.
      const served = await headManifest(this.ctx, mirror, ref.identifier);
      const where = `mirror ${mirror.registry}/${mirror.repository}`;
      if (served === undefined) throw new RegistryError(`${ref.original}: ${where} does not have it (${ref.registry} has ${digest})`, { status: 404 });
      if (served !== digest) throw new RegistryError(`${ref.original}: ${where} serves ${served}, but ${ref.registry} serves ${digest}; refusing the mirror`, { temporary: false });
    }
    return digest;
  }

  resolvePlatform(ref: Reference, platform: Platform): Promise<string> {
    const key = `${ref.name} ${platform.os}/${platform.architecture}/${platform.variant ?? ''}`;
    let p = this.platforms.get(key);
    if (!p) {
      // With a mirror, the index is read by the digest the canonical registry confirmed.
      p = (async () => platformDigest(this.ctx, this.readRepo(ref), this.mirrors.has(ref.registry) ? await this.resolve(ref) : ref.identifier, platform, ref.original))();
      this.platforms.set(key, p);
      p.catch(() => this.platforms.delete(key));
    }
    return p;
  }

  async copy(src: Reference, dst: Reference, opts: CopyOptions): Promise<CopyStats> {
    const from = this.readRepo(src);
    // Through a mirror, a tag is first resolved on the canonical registry, then read by digest.
    const id = !this.mirrors.has(src.registry) || src.digest ? src.identifier : await this.resolve(src);
    const m = (src.digest && this.kept.take(`${from.registry}/${from.repository}@${src.digest}`)) || (await getManifest(this.ctx, from, id));
    this.remember(src, m.digest);
    if (dst.digest && dst.digest !== m.digest) throw new RegistryError(`cannot copy ${src.original} (${m.digest}) to ${dst.original}: the target names another digest`);
    const run = new CopyRun(m.digest, opts.onProgress);
    const current = await this.digestIfExists(dst, { forPush: true });
    if (current !== m.digest) {
      if (current !== undefined && opts.noClobber) throw new ClobberError(dst.original, current, m.digest);
      this.ctx.log?.debug('copying image', { src: src.name, dst: dst.name, digest: m.digest });
      await this.copier.copyImage(from, m, repoOf(dst), dst.tag, run);
      this.remember(dst, m.digest);
    }
    if (opts.copyReferrers) run.stats.referrers = (await this.referrers.copy(from, repoOf(dst), m, run, this.mirrors.has(src.registry) ? repoOf(src) : undefined)).referrers;
    return run.stats;
  }

  async pushMappingsImage(ref: Reference, mappingsJson: string): Promise<string> {
    const digest = await pushMappingsImage(this.ctx, repoOf(ref), ref.tag ?? ref.identifier, mappingsJson);
    this.remember(ref, digest);
    return digest;
  }

  pullMappingsImage(ref: Reference): Promise<string> {
    return pullMappingsImage(this.ctx, repoOf(ref), ref.identifier);
  }

  private remember(ref: Reference, digest: string): void {
    this.digests.set(ref.name, Promise.resolve(digest));
  }
}

export function createRegistryClient(opts: RegistryClientOptions): ImageRegistry {
  const concurrency = opts.concurrency ?? 16;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const keychain = opts.keychain ?? defaultKeychain({ log: opts.log, ...(opts.dockerConfigDir ? { configDir: opts.dockerConfigDir } : {}) });
  const { doer } = createTransport({
    keychain,
    log: opts.log,
    semaphore: new Semaphore(concurrency),
    retry,
    ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
  });
  // Sockets per origin (2 × concurrency + 2) cover the request limit plus as many streaming bodies.
  return new RegistryClient({ doer, retry, log: opts.log, concurrency: Math.max(1, Math.min(concurrency, 4)), streams: concurrency }, opts.mirrors);
}


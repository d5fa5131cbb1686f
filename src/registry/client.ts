import type { Reference } from '../reference/types';
import { Semaphore } from '../util/concurrency';
import { defaultKeychain } from './auth/keychain';
import { ClobberError, RegistryError } from './errors';
import type { RemoteContext, Repo } from './remote/context';
import { Copier, CopyRun } from './remote/copy';
import { getManifest, headManifest } from './remote/manifest';
import { pullMappingsImage, pushMappingsImage } from './remote/mappings-image';
import { createTransport } from './transport';
import { DEFAULT_RETRY } from './transport/retry';
import type { CopyOptions, CopyStats, ImageRegistry, RegistryClientOptions } from './types';

const repoOf = (ref: Reference): Repo => ({ registry: ref.registry, repository: ref.repository });

function notFound(ref: Reference): RegistryError {
  return new RegistryError(`${ref.original}: manifest unknown`, { status: 404, diagnostics: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
}

/** One per run: tokens, pings, the request limit and what each image name resolved to are shared. */
class RegistryClient implements ImageRegistry {
  /** ref.name → digest, or undefined for "does not exist"; each distinct image is asked about once. */
  private readonly digests = new Map<string, Promise<string | undefined>>();
  private readonly copier: Copier;

  constructor(private readonly ctx: RemoteContext) {
    this.copier = new Copier(ctx);
  }

  digestIfExists(ref: Reference): Promise<string | undefined> {
    let p = this.digests.get(ref.name);
    if (!p) {
      p = headManifest(this.ctx, repoOf(ref), ref.identifier);
      this.digests.set(ref.name, p);
      // Failures are not facts about the image: let a later call ask again.
      p.catch(() => this.digests.delete(ref.name));
    }
    return p;
  }

  async resolve(ref: Reference): Promise<string> {
    const digest = await this.digestIfExists(ref);
    if (digest === undefined) throw notFound(ref);
    return digest;
  }

  async copy(src: Reference, dst: Reference, opts: CopyOptions): Promise<CopyStats> {
    const m = await getManifest(this.ctx, repoOf(src), src.identifier);
    this.remember(src, m.digest);
    if (dst.digest && dst.digest !== m.digest) throw new RegistryError(`cannot copy ${src.original} (${m.digest}) to ${dst.original}: the target names another digest`);
    const run = new CopyRun(m.digest, opts.onProgress);
    const current = await this.digestIfExists(dst);
    if (current === m.digest) return run.stats;
    if (current !== undefined && opts.noClobber) throw new ClobberError(dst.original, current, m.digest);
    this.ctx.log?.debug('copying image', { src: src.name, dst: dst.name, digest: m.digest });
    await this.copier.copyManifest(repoOf(src), m, repoOf(dst), dst.tag ?? m.digest, run);
    this.remember(dst, m.digest);
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
  const concurrency = opts.concurrency ?? 8;
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
  return new RegistryClient({ doer, retry, log: opts.log, concurrency: Math.max(1, Math.min(concurrency, 4)) });
}


import { mapLimit, Semaphore } from '../../util/concurrency';
import type { CopyProgress, CopyStats } from '../types';
import { DigestMismatchError, isRegistryError, RegistryError } from '../errors';
import { tapDigest } from '../digest';
import type { Descriptor, ParsedManifest } from '../media';
import { blobsOf, parseManifest } from '../media';
import { isTemporary } from '../transport/retry';
import { blobExists, finishUpload, mountBlob, openBlob, startUpload } from './blob';
import type { RemoteContext, Repo } from './context';
import { operation } from './context';
import type { FetchedManifest } from './manifest';
import { getManifest, headManifest, putManifest } from './manifest';

type BlobOutcome = 'skipped' | 'mounted' | 'uploaded';

/** Counters and progress of one copy() call. */
export class CopyRun {
  readonly stats: CopyStats;
  private progress: CopyProgress = { blobsDone: 0, blobsTotal: 0, bytesDone: 0 };
  constructor(digest: string, private readonly onProgress?: (p: CopyProgress) => void) {
    this.stats = { digest, manifestsPushed: 0, blobsUploaded: 0, blobsMounted: 0, blobsSkipped: 0, bytesUploaded: 0 };
  }
  addBlobs(n: number): void {
    this.progress.blobsTotal += n;
  }
  bytes(n: number): void {
    this.progress.bytesDone += n;
  }
  blobDone(outcome: BlobOutcome, size: number, first: boolean): void {
    if (!first || outcome === 'skipped') this.stats.blobsSkipped++;
    else if (outcome === 'mounted') this.stats.blobsMounted++;
    else {
      this.stats.blobsUploaded++;
      this.stats.bytesUploaded += size;
    }
    this.progress.blobsDone++;
    this.onProgress?.({ ...this.progress });
  }
}

/**
 * Copies manifests and blobs between repositories. One instance per client: in-flight work is keyed by
 * target repository and digest, so a blob or child manifest shared by several images moves once per run.
 */
export class Copier {
  private readonly blobs = new Map<string, Promise<BlobOutcome>>();
  private readonly children = new Map<string, Promise<void>>();
  /** "registry@digest" → a repository there known (this run) to hold the blob: a mount source for other repos. */
  private readonly seenAt = new Map<string, string>();
  /** Registries that refused a mount from the target repository itself: HEAD + POST there from then on. */
  private readonly noSelfMount = new Set<string>();
  private readonly streams: Semaphore;
  constructor(private readonly ctx: RemoteContext) {
    this.streams = new Semaphore(ctx.streams ?? 8);
  }

  /**
   * Copies a whole image to dst under `tag` (or its digest) when the target lacks it there. For an index, one
   * HEAD by digest tells a retag (the target holds it under another name: push the tag alone) from a new image,
   * whose children are then presumed new and pushed without a HEAD each. A wrong guess (a child shared with
   * another index) costs a GET and a PUT, never an upload: every blob is still checked at the target.
   */
  async copyImage(src: Repo, m: FetchedManifest, dst: Repo, tag: string | undefined, run: CopyRun): Promise<void> {
    const parsed = parseManifest(m.bytes, m.mediaType);
    // By digest, the caller's HEAD of the target was that HEAD already.
    const held = tag !== undefined && parsed.kind === 'index' && (await headManifest(this.ctx, dst, m.digest)) === m.digest;
    if (held) this.ctx.log?.debug('target holds the index under another name: tagging it', { dst: `${dst.registry}/${dst.repository}:${tag}`, digest: m.digest });
    await this.push(src, m, parsed, dst, tag ?? m.digest, run, held ? 'present' : 'absent');
  }

  /** Pushes `m` (already fetched from src) to dst under `dstId`, after everything it references. */
  copyManifest(src: Repo, m: FetchedManifest, dst: Repo, dstId: string, run: CopyRun): Promise<void> {
    return this.push(src, m, parseManifest(m.bytes, m.mediaType), dst, dstId, run, 'check');
  }

  /** `children`: HEAD each child at the target first ('check'), or take them as known there or known new. */
  private async push(src: Repo, m: FetchedManifest, parsed: ParsedManifest, dst: Repo, dstId: string, run: CopyRun, children: 'check' | 'absent' | 'present'): Promise<void> {
    const mediaType = m.mediaType && m.mediaType !== 'application/json' ? m.mediaType : parsed.mediaType;
    if (parsed.kind === 'index') {
      if (children !== 'present') await mapLimit(parsed.manifests, this.ctx.concurrency, (child) => this.copyChild(src, child, dst, run, children === 'check'));
    } else {
      const blobs = blobsOf(parsed);
      run.addBlobs(blobs.length);
      await mapLimit(blobs, this.ctx.concurrency, (b) => this.copyBlob(src, b, dst, run));
    }
    const stored = await putManifest(this.ctx, dst, dstId, m.bytes, mediaType);
    if (stored !== m.digest) throw new RegistryError(`pushed ${dst.registry}/${dst.repository}:${dstId} as ${stored}, expected ${m.digest}`);
    run.stats.manifestsPushed++;
  }

  private copyChild(src: Repo, child: Descriptor, dst: Repo, run: CopyRun, check: boolean): Promise<void> {
    const key = `${dst.registry}/${dst.repository}@${child.digest}`;
    let task = this.children.get(key);
    if (!task) {
      task = (async () => {
        if (check && (await headManifest(this.ctx, dst, child.digest))) return;
        const m = await getManifest(this.ctx, src, child.digest);
        await this.copyManifest(src, m, dst, child.digest, run);
      })();
      this.children.set(key, task);
      task.catch(() => this.children.delete(key));
    }
    return task;
  }

  private async copyBlob(src: Repo, desc: Descriptor, dst: Repo, run: CopyRun): Promise<void> {
    const key = `${dst.registry}/${dst.repository}@${desc.digest}`;
    let task = this.blobs.get(key);
    const first = !task;
    if (!task) {
      task = operation(this.ctx, `copying blob ${desc.digest}`, (ctx) => this.transferBlob(ctx, src, desc, dst, run));
      task.then(() => this.seenAt.set(`${dst.registry}@${desc.digest}`, dst.repository), () => undefined);
      this.blobs.set(key, task);
      task.catch(() => this.blobs.delete(key));
    }
    run.blobDone(await task, desc.size, first);
  }

  /**
   * One POST asks for a mount: from a repository on the target registry known to hold the blob (the source,
   * or one this run filled), else from the target repository itself. A 201 answers "there now"; a 202 opens the
   * upload session. A self-mount thus does what HEAD + POST did in one request (distribution, Harbor, GHCR,
   * Artifact Registry and Docker Hub link a blob the repository holds; a registry that ignores mounts answers
   * 202, and the blob is uploaded again, deduplicated by digest). After a refused mount, or a cross-repository
   * one that opened a session instead, HEAD at the target (0 uploads for what it already holds), then stream GET → PUT.
   */
  private async transferBlob(ctx: RemoteContext, src: Repo, desc: Descriptor, dst: Repo, run: CopyRun): Promise<BlobOutcome> {
    const { digest } = desc;
    let location: string | undefined;
    // Images copied to separate repositories often share base layers.
    const known = this.seenAt.get(`${dst.registry}@${digest}`);
    const near = src.registry === dst.registry ? src : known !== undefined ? { registry: dst.registry, repository: known } : undefined;
    const cross = near !== undefined && near.repository !== dst.repository;
    if (cross || !this.noSelfMount.has(dst.registry)) {
      try {
        const m = await mountBlob(ctx, dst, digest, cross ? near : dst);
        if (m.mounted) return cross ? 'mounted' : 'skipped';
        location = m.location;
      } catch (e) {
        // A mount is an optimisation: a refusal (e.g. no pull access to the other repository) means upload.
        if (isTemporary(e)) throw e;
        if (!cross) this.noSelfMount.add(dst.registry);
        ctx.log?.debug('blob mount refused, uploading instead', { digest, from: cross ? near.repository : dst.repository, error: e instanceof Error ? e.message : String(e) });
      }
    }
    // A session a refused mount opened is left to the registry's purge (a DELETE would cost a request).
    if ((cross || location === undefined) && (await blobExists(ctx, dst, digest))) return 'skipped';
    return this.streams.run(() => this.streamBlob(ctx, src, desc, dst, location, run));
  }

  /**
   * GET → PUT with the source body piped into the upload, hashed on the way. Holds a stream slot throughout:
   * a paused source holds a socket, so the number of such bodies is bounded below the sockets per origin,
   * and no request ever waits for a socket while holding a slot of the run-wide request limit.
   */
  private async streamBlob(ctx: RemoteContext, src: Repo, desc: Descriptor, dst: Repo, location: string | undefined, run: CopyRun): Promise<BlobOutcome> {
    const { digest, size } = desc;
    // The upload session and the source body are independent: open both at once (one round trip less).
    const [session, source] = await Promise.allSettled([location ?? startUpload(ctx, dst), openBlob(ctx, src, digest)]);
    if (source.status === 'rejected') throw source.reason;
    const res = source.value;
    if (session.status === 'rejected') {
      res.body.destroy();
      throw session.reason;
    }
    const declared = res.headers.get('content-length');
    if (declared !== null && Number(declared) !== size) {
      res.body.destroy();
      // Could be a truncating proxy as well as a wrong manifest: worth another attempt, bounded anyway.
      throw new RegistryError(`blob ${digest}: source serves ${declared} bytes, manifest says ${size}`, { temporary: true });
    }
    // Source socket → upload socket, hashed on the way; the blob is never held whole.
    const hash = tapDigest(res.body, (n) => run.bytes(n));
    try {
      // The tap hashes each chunk as it passes; nothing else keeps one, so the wire layer may reuse their memory.
      await finishUpload(ctx, dst, session.value, digest, res.body, size, true);
    } catch (e) {
      res.body.destroy();
      // A refusal before any byte moved (e.g. a downgrade) is final, whatever the source stream did.
      if (isRegistryError(e) && !e.temporary && e.status === undefined) throw e;
      // A short or corrupt source stream is a transfer fault (retry); anything else is the registry's answer.
      if (hash.bytes() !== size) throw new RegistryError(`blob ${digest}: source stream ended after ${hash.bytes()} of ${size} bytes`, { temporary: true, cause: e });
      const got = hash.digest();
      if (got !== digest) throw new DigestMismatchError(`blob ${digest}`, digest, got, { cause: e });
      throw e;
    }
    const got = hash.digest();
    if (hash.bytes() !== size || got !== digest) throw new DigestMismatchError(`blob ${digest}`, digest, got);
    return 'uploaded';
  }
}

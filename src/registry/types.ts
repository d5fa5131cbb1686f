import type { Mirror } from '../reference/mirror';
import type { Platform } from '../reference/platform';
import type { Reference } from '../reference/types';
import type { Logger } from '../util/log';
import type { Keychain } from './auth/authenticator';
import type { RetryPolicy } from './transport/retry';

export interface CopyOptions {
  /** Refuse to overwrite an existing target tag that points at a different digest */
  noClobber: boolean;
  /** Called with progress lines (e.g. "copied 3/7 blobs, 12.5 MB") */
  onProgress?: (event: CopyProgress) => void;
  /** -copy-referrers: also copy cosign tags and OCI referrers of the image and its platform manifests (also when the image is already there) */
  copyReferrers?: boolean;
}

export interface ResolveOptions {
  /**
   * The run copies this image when its target lacks it: read the manifest with one GET now (kept for the copy,
   * which then needs no GET of its own) instead of a HEAD now and a GET later. Not where a GET costs more than a
   * HEAD (Docker Hub counts manifest GETs against its pull limit), nor through a -registry-mirror.
   */
  forCopy?: boolean;
}

export interface CopyProgress {
  blobsDone: number;
  blobsTotal: number;
  bytesDone: number;
}

export interface CopyStats {
  /** Digest of the top manifest at the target (equals the source digest) */
  digest: string;
  manifestsPushed: number;
  blobsUploaded: number;
  blobsMounted: number;
  blobsSkipped: number;
  bytesUploaded: number;
  /** With copyReferrers: referrer manifests found and made present at the target */
  referrers?: number;
}

/** The verbs reimage needs from registries; one instance per run shares tokens, caches and the concurrency limit. */
export interface ImageRegistry {
  /** Digest of the manifest `ref` names (tag or digest form). Throws RegistryError (status 404, code MANIFEST_UNKNOWN/NAME_UNKNOWN) if absent. */
  resolve(ref: Reference, opts?: ResolveOptions): Promise<string>;
  /** -platform: digest of `platform`'s manifest in the index `ref` names (or of `ref` itself, if it is that platform). */
  resolvePlatform(ref: Reference, platform: Platform): Promise<string>;
  /**
   * Like resolve, but undefined when the manifest does not exist. `forPush`: `ref` is a copy's target; its
   * token is asked for pull and push at once (one token request per repository instead of two), falling back
   * to pull alone where the token server refuses push.
   */
  digestIfExists(ref: Reference, opts?: { forPush?: boolean }): Promise<string | undefined>;
  /** Copies the whole image (index with every child and blob) from src to dst; dst's digest equals src's. */
  copy(src: Reference, dst: Reference, opts: CopyOptions): Promise<CopyStats>;
  /** Pushes a single-layer image whose tar holds reimage-mapping.json; returns the manifest digest. */
  pushMappingsImage(ref: Reference, mappingsJson: string): Promise<string>;
  /** Pulls a mappings image and returns the content of its single file. */
  pullMappingsImage(ref: Reference): Promise<string>;
}

export interface RegistryClientOptions {
  log: Logger;
  /**
   * host[:port] values reached over plain HTTP only. Loopback/localhost registries not listed here
   * are tried over HTTPS first and fall back to plain HTTP when they do not speak TLS.
   */
  insecureRegistries?: string[];
  /** Requests in flight at once, across the run; default 8 */
  concurrency?: number;
  /** DOCKER_CONFIG directory override (default $DOCKER_CONFIG or ~/.docker) */
  dockerConfigDir?: string;
  /** Replaces the default keychain (docker config and credential helpers, then Google ADC for Google registries). */
  keychain?: Keychain;
  /** @default {attempts: 5, baseDelayMs: 250, maxDelayMs: 15000} */
  retry?: RetryPolicy;
  /** Per request: until headers arrive, and between body chunks. @default 60000 */
  timeoutMs?: number;
  /** -registry-mirror: reads of these registries' images go to the mirror; digests are checked on the registry */
  mirrors?: readonly Mirror[];
  /** @default "reimage/<package version>" */
  userAgent?: string;
}

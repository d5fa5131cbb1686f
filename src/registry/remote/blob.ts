import { DigestMismatchError, errorFromResponse, RegistryError } from '../errors';
import { sha256 } from '../digest';
import type { RegistryResponse, RequestBody } from '../transport/types';
import { discard } from '../transport/types';
import type { RemoteContext, Repo } from './context';
import { addQuery, operation, pullScope, pushScope, readBody } from './context';

const blobPath = (repo: Repo, digest: string): string => `/v2/${repo.repository}/blobs/${digest}`;
const uploadsPath = (repo: Repo): string => `/v2/${repo.repository}/blobs/uploads/`;

export async function blobExists(ctx: RemoteContext, repo: Repo, digest: string): Promise<boolean> {
  const url = blobPath(repo, digest);
  const res = await ctx.doer({ method: 'HEAD', url, registry: repo.registry, scopes: pullScope(repo) });
  await discard(res);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await errorFromResponse('HEAD', `${repo.registry}${url}`, res, `checking blob ${digest}`);
}

function locationOf(res: RegistryResponse, what: string): string {
  const location = res.headers.get('location');
  if (!location) throw new RegistryError(`${what}: registry sent no upload Location`, { status: res.status });
  return location;
}

/**
 * Mount (from another repository, or from `dst` itself to ask whether it holds the blob): true when done (201);
 * otherwise the upload session the registry opened instead (202).
 */
export async function mountBlob(ctx: RemoteContext, dst: Repo, digest: string, from: Repo): Promise<{ mounted: true } | { mounted: false; location: string }> {
  const url = `${uploadsPath(dst)}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`;
  // From itself: the push token covers the pull (and a second scope would ask for another token).
  const scopes = from.repository === dst.repository ? pushScope(dst) : [...pushScope(dst), ...pullScope(from)];
  const res = await ctx.doer({ method: 'POST', url, registry: dst.registry, scopes });
  if (res.status === 201) {
    await discard(res);
    return { mounted: true };
  }
  if (res.status !== 202) throw await errorFromResponse('POST', `${dst.registry}${url}`, res, `mounting blob ${digest}`);
  await discard(res);
  return { mounted: false, location: locationOf(res, `mounting blob ${digest}`) };
}

export async function startUpload(ctx: RemoteContext, dst: Repo): Promise<string> {
  const url = uploadsPath(dst);
  const res = await ctx.doer({ method: 'POST', url, registry: dst.registry, scopes: pushScope(dst) });
  if (res.status !== 202) throw await errorFromResponse('POST', `${dst.registry}${url}`, res, `starting upload to ${dst.registry}/${dst.repository}`);
  await discard(res);
  return locationOf(res, `starting upload to ${dst.registry}/${dst.repository}`);
}

/**
 * Completes an upload session with one PUT carrying the whole blob (bytes, or a stream fed from the source).
 * `lend`: the stream's chunks are kept by nobody else (see RegistryRequest.lendBody).
 */
export async function finishUpload(ctx: RemoteContext, dst: Repo, location: string, digest: string, body: RequestBody, size: number, lend = false): Promise<void> {
  const url = addQuery(location, 'digest', digest);
  const res = await ctx.doer({
    method: 'PUT', url, registry: dst.registry, scopes: pushScope(dst), body, ...(lend ? { lendBody: true } : {}),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
  });
  if (res.status !== 201 && res.status !== 204) throw await errorFromResponse('PUT', url.startsWith('/') ? `${dst.registry}${url}` : url, res, `uploading blob ${digest}`);
  await discard(res);
}

/** Opens a blob for streaming (redirects to storage are followed without our credentials). */
export async function openBlob(ctx: RemoteContext, repo: Repo, digest: string): Promise<RegistryResponse> {
  const url = blobPath(repo, digest);
  const res = await ctx.doer({ method: 'GET', url, registry: repo.registry, scopes: pullScope(repo) });
  if (res.status !== 200) throw await errorFromResponse('GET', `${repo.registry}${url}`, res, `fetching blob ${digest}`);
  return res;
}

/** Downloads a small blob whole (at most `maxBytes`), verifying its digest; truncated or corrupt transfers are retried. */
export function fetchBlob(ctx: RemoteContext, repo: Repo, digest: string, maxBytes?: number): Promise<Buffer> {
  return operation(ctx, `GET blob ${digest}`, async (ctx) => {
    const res = await openBlob(ctx, repo, digest);
    const bytes = await readBody(res, 'GET', `${repo.registry}${blobPath(repo, digest)}`, maxBytes);
    const got = sha256(bytes);
    if (got !== digest) throw new DigestMismatchError(`blob ${repo.registry}/${repo.repository}@${digest}`, digest, got);
    return bytes;
  });
}

/** Pushes in-memory content unless the registry already has it. Returns true when bytes were uploaded. */
export function pushBlob(ctx: RemoteContext, dst: Repo, bytes: Buffer): Promise<boolean> {
  const digest = sha256(bytes);
  return operation(ctx, `pushing blob ${digest}`, async (ctx) => {
    if (await blobExists(ctx, dst, digest)) return false;
    await finishUpload(ctx, dst, await startUpload(ctx, dst), digest, bytes, bytes.length);
    return true;
  });
}

import { DigestMismatchError, errorFromResponse, RegistryError } from '../errors';
import { sha256 } from '../digest';
import { MANIFEST_ACCEPT } from '../media';
import { discard } from '../transport/types';
import type { RemoteContext, Repo } from './context';
import { operation, pullScope, pushScope, readBody, SMALL_BODY_MAX } from './context';

export interface FetchedManifest {
  bytes: Buffer;
  /** Content-Type as served (the exact type must be sent back when pushing these bytes). */
  mediaType: string;
  digest: string;
}

/** distribution's own limit for a manifest it accepts; a larger answer is hostile or broken. */
export const MAX_MANIFEST_BYTES = SMALL_BODY_MAX;

const isDigest = (id: string): boolean => id.startsWith('sha256:');
const path = (repo: Repo, id: string): string => `/v2/${repo.repository}/manifests/${id}`;

/**
 * HEAD with all four Accept types; undefined on 404. Falls back to GET when no Docker-Content-Digest comes back.
 * `scopes`: pull by default; a target about to be pushed to asks for pull,push, so one token serves both.
 */
export async function headManifest(ctx: RemoteContext, repo: Repo, id: string, scopes = pullScope(repo)): Promise<string | undefined> {
  const url = path(repo, id);
  const res = await ctx.doer({ method: 'HEAD', url, registry: repo.registry, scopes, headers: { accept: MANIFEST_ACCEPT } });
  await discard(res);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw await errorFromResponse('HEAD', `${repo.registry}${url}`, res, `resolving ${repo.registry}/${repo.repository}:${id}`);
  const digest = res.headers.get('docker-content-digest');
  if (!digest) return (await getManifest(ctx, repo, id)).digest;
  if (isDigest(id) && digest !== id) throw new DigestMismatchError(`${repo.registry}/${repo.repository}@${id}`, id, digest, { temporary: false });
  return digest;
}

/** GET with all four Accept types; the digest is computed from the bytes and checked against a digest reference. */
export function getManifest(ctx: RemoteContext, repo: Repo, id: string): Promise<FetchedManifest> {
  const url = path(repo, id);
  const name = `${repo.registry}/${repo.repository}${isDigest(id) ? '@' : ':'}${id}`;
  return operation(ctx, `GET manifest ${name}`, async (ctx) => {
    const res = await ctx.doer({ method: 'GET', url, registry: repo.registry, scopes: pullScope(repo), headers: { accept: MANIFEST_ACCEPT } });
    if (res.status !== 200) throw await errorFromResponse('GET', `${repo.registry}${url}`, res, `fetching manifest ${name}`);
    const bytes = await readBody(res, 'GET', `${repo.registry}${url}`, MAX_MANIFEST_BYTES);
    const digest = sha256(bytes);
    if (isDigest(id) && digest !== id) throw new DigestMismatchError(`manifest ${name}`, id, digest);
    const served = res.headers.get('docker-content-digest');
    if (served && served !== digest) throw new DigestMismatchError(`manifest ${name} (Docker-Content-Digest)`, served, digest);
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    return { bytes, mediaType, digest };
  });
}

/** PUT the exact bytes under `id` (tag or digest) and check the registry computed the same digest. */
export async function putManifest(ctx: RemoteContext, repo: Repo, id: string, bytes: Buffer, mediaType: string): Promise<string> {
  const url = path(repo, id);
  const want = sha256(bytes);
  const res = await ctx.doer({ method: 'PUT', url, registry: repo.registry, scopes: pushScope(repo), headers: { 'content-type': mediaType }, body: bytes });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await errorFromResponse('PUT', `${repo.registry}${url}`, res, `pushing manifest ${repo.registry}/${repo.repository}:${id}`);
  await discard(res);
  const got = res.headers.get('docker-content-digest');
  if (got && got !== want) {
    throw new RegistryError(`pushing manifest ${repo.registry}/${repo.repository}:${id}: registry stored digest ${got}, expected ${want}`, { method: 'PUT', status: res.status });
  }
  return want;
}

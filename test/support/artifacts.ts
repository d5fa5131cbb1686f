/**
 * Signature-shaped artifacts for referrer tests, pushed straight to a plain-HTTP test registry with fetch.
 *
 * API
 *   pushBlob(reg, repo, bytes): Promise<{digest, size}>       POST, then PUT ?digest=
 *   pushManifest(reg, repo, ref, body: object, mediaType?): Promise<{digest, size, mediaType, bytes}>
 *   pushArtifact(reg, repo, opts: {subject?, artifactType, payload, tag?, annotations?}): Promise<Pushed>
 *       An OCI 1.1 artifact: empty config ({}), one layer holding `payload`, `subject` when given.
 *       Pushed by digest, or under `tag` (cosign style: sha256-<hex>.sig).
 *   pushReferrersTag(reg, repo, subjectDigest, referrers: Pushed[]): Promise<Pushed>
 *       The distribution-spec fallback: an index of the referrers under tag sha256-<hex>.
 *   cosignTag(digest, suffix) -> 'sha256-<hex>.sig' etc.
 *   getManifest(reg, repo, ref): Promise<{status, digest?, body?: any}>   (all four Accept types)
 */
import { createHash } from 'node:crypto';

interface Reg {
  url: string;
}

export interface Pushed {
  digest: string;
  size: number;
  mediaType: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const ACCEPT = [OCI_INDEX, OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const cosignTag = (digest: string, suffix: '.sig' | '.att' | '.sbom'): string => `${digest.replace(':', '-')}${suffix}`;

export async function pushBlob(reg: Reg, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  // distribution 2.8 has no monolithic POST: open a session, then PUT the whole blob.
  const start = await fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`blob upload to ${repo}: ${start.status}`);
  const u = new URL(location, reg.url);
  u.searchParams.set('digest', digest);
  const res = await fetch(u, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) }, body: bytes });
  if (res.status !== 201) throw new Error(`blob upload to ${repo}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return { digest, size: bytes.length };
}

export async function pushManifest(reg: Reg, repo: string, ref: string, body: object, mediaType = OCI_MANIFEST): Promise<Pushed & { bytes: Buffer }> {
  const bytes = Buffer.from(JSON.stringify(body));
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
  if (res.status !== 201) throw new Error(`manifest PUT ${repo}:${ref}: ${res.status} ${await res.text()}`);
  return { digest: sha256(bytes), size: bytes.length, mediaType, bytes };
}

export async function pushArtifact(
  reg: Reg,
  repo: string,
  opts: { subject?: Pushed | { digest: string; size: number; mediaType: string }; artifactType: string; payload: string; tag?: string; annotations?: Record<string, string> },
): Promise<Pushed> {
  const config = await pushBlob(reg, repo, Buffer.from('{}'));
  const layer = await pushBlob(reg, repo, Buffer.from(opts.payload));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: opts.artifactType,
    config: { mediaType: EMPTY, digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.example.payload.v1', digest: layer.digest, size: layer.size }],
    ...(opts.subject ? { subject: { mediaType: opts.subject.mediaType, digest: opts.subject.digest, size: opts.subject.size } } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const p = await pushManifest(reg, repo, opts.tag ?? sha256(bytes), manifest);
  return { digest: p.digest, size: p.size, mediaType: OCI_MANIFEST, artifactType: opts.artifactType, ...(opts.annotations ? { annotations: opts.annotations } : {}) };
}

export async function pushReferrersTag(reg: Reg, repo: string, subjectDigest: string, referrers: readonly Pushed[]): Promise<Pushed> {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: referrers.map((r) => ({ ...r })) };
  const p = await pushManifest(reg, repo, subjectDigest.replace(':', '-'), index, OCI_INDEX);
  return { digest: p.digest, size: p.size, mediaType: OCI_INDEX };
}

export async function getManifest(reg: Reg, repo: string, ref: string): Promise<{ status: number; digest?: string; body?: { manifests?: Array<{ digest: string; artifactType?: string }>; subject?: { digest: string } } }> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { headers: { accept: ACCEPT } });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return { status: res.status };
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: 200, digest: sha256(bytes), body: JSON.parse(bytes.toString('utf8')) };
}

import { ReimageError } from '../../util/errors';
import { sha256 } from '../digest';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, parseManifest } from '../media';
import { readTar, writeTar } from '../tar';
import { fetchBlob, pushBlob } from './blob';
import type { RemoteContext, Repo } from './context';
import { getManifest, putManifest } from './manifest';

// node:zlib loads only when a mappings image is built or read
const zlib = (): typeof import('node:zlib') => require('node:zlib') as typeof import('node:zlib');

export const MAPPINGS_FILE = 'reimage-mapping.json';

/**
 * Caps for reading a mappings image (hostile registries, gzip bombs): the layer as stored and the tar it
 * inflates to. Mappings for tens of thousands of images fit in a few MB.
 */
export const MAX_MAPPINGS_LAYER_BYTES = 64 << 20;
export const MAX_MAPPINGS_INFLATED_BYTES = 64 << 20;
const MIB = 1 << 20;

export interface BuiltImage {
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  digest: string;
}

/** The image go-containerregistry's crane.Image({file: json}) builds: one gzipped tar layer, Docker v2 media types. */
export function buildMappingsImage(json: string): BuiltImage {
  const tar = writeTar([{ name: MAPPINGS_FILE, data: Buffer.from(json, 'utf8') }]);
  // Fixed header fields (no mtime, no name) keep the layer reproducible.
  const layer = zlib().gzipSync(tar, { level: 6 });
  const config = Buffer.from(JSON.stringify({
    architecture: '',
    created: '0001-01-01T00:00:00Z',
    history: [{ created: '0001-01-01T00:00:00Z' }],
    os: '',
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    config: {},
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: DOCKER_CONFIG, size: config.length, digest: sha256(config) },
    layers: [{ mediaType: DOCKER_LAYER_GZIP, size: layer.length, digest: sha256(layer) }],
  }));
  return { config, layer, manifest, digest: sha256(manifest) };
}

export async function pushMappingsImage(ctx: RemoteContext, repo: Repo, id: string, json: string): Promise<string> {
  const img = buildMappingsImage(json);
  await Promise.all([pushBlob(ctx, repo, img.config), pushBlob(ctx, repo, img.layer)]);
  return putManifest(ctx, repo, id, img.manifest, DOCKER_MANIFEST);
}

export async function pullMappingsImage(ctx: RemoteContext, repo: Repo, id: string): Promise<string> {
  const name = `${repo.registry}/${repo.repository}:${id}`;
  let m = await getManifest(ctx, repo, id);
  let parsed = parseManifest(m.bytes, m.mediaType);
  if (parsed.kind === 'index') {
    const first = parsed.manifests[0];
    if (!first) throw new ReimageError(`${name}: empty image index, not from reimage`);
    m = await getManifest(ctx, repo, first.digest);
    parsed = parseManifest(m.bytes, m.mediaType);
    if (parsed.kind === 'index') throw new ReimageError(`${name}: nested image index, not from reimage`);
  }
  const [layer, ...rest] = parsed.layers;
  // The Go tool's wording.
  if (!layer || rest.length) throw new ReimageError(`${name}: multi-layer image, not from reimage`);
  if (layer.size > MAX_MAPPINGS_LAYER_BYTES) throw new ReimageError(`${name}: layer of ${layer.size} bytes is over the ${MAX_MAPPINGS_LAYER_BYTES / MIB} MiB limit for a mappings image`);
  const blob = await fetchBlob(ctx, repo, layer.digest, MAX_MAPPINGS_LAYER_BYTES);
  let tar: Buffer;
  try {
    // maxOutputLength stops inflating at the cap, so a gzip bomb costs at most that much memory.
    tar = blob[0] === 0x1f && blob[1] === 0x8b ? zlib().gunzipSync(blob, { maxOutputLength: MAX_MAPPINGS_INFLATED_BYTES }) : blob;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ReimageError(`${name}: layer inflates to more than ${MAX_MAPPINGS_INFLATED_BYTES / MIB} MiB, the limit for a mappings image (a gzip bomb?)`);
    }
    throw new ReimageError(`${name}: layer is not valid gzip`, { cause: e });
  }
  const [file] = readTar(tar);
  if (!file) throw new ReimageError(`${name}: layer holds no file, not from reimage`);
  return file.data.toString('utf8');
}

/** Manifest and blob media types reimage understands, and the manifest shapes it reads. */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** All four: without the OCI types the registry 404s OCI content; without the list type it picks a platform. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

const FOREIGN_LAYERS = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: { architecture?: string; os?: string; variant?: string };
}

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] };

export function isIndexType(mt: string): boolean {
  return mt === OCI_INDEX || mt === DOCKER_LIST;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

function descriptor(v: unknown, where: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (!d || typeof d.digest !== 'string' || !DIGEST_RE.test(d.digest) || typeof d.size !== 'number') {
    throw new Error(`${where}: malformed descriptor`);
  }
  return { ...d, mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size };
}

/** Parses manifest bytes; `contentType` from the response wins over the body's mediaType (OCI allows it absent). */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  const ct = contentType?.split(';')[0]?.trim();
  const bodyType = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  let mediaType = ct && ct !== 'application/json' && ct !== 'text/plain' ? ct : bodyType;
  if (!mediaType) mediaType = Array.isArray(json.manifests) ? OCI_INDEX : OCI_MANIFEST;
  if (json.schemaVersion === 1) throw new Error('schema1 manifests are not supported');
  if (isIndexType(mediaType)) {
    const list = Array.isArray(json.manifests) ? json.manifests : [];
    return { kind: 'index', mediaType, manifests: list.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) throw new Error(`unsupported manifest media type ${mediaType}`);
  const layers = Array.isArray(json.layers) ? json.layers : [];
  return { kind: 'image', mediaType, config: descriptor(json.config, 'config'), layers: layers.map((l, i) => descriptor(l, `layers[${i}]`)) };
}

/** Blobs a copy must transfer: the config and every distributable layer. */
export function blobsOf(m: Extract<ParsedManifest, { kind: 'image' }>): Descriptor[] {
  return [m.config, ...m.layers.filter((l) => !FOREIGN_LAYERS.has(l.mediaType))];
}

/**
 * Test images without docker: umoci builds OCI layouts, skopeo pushes them to a TestRegistry.
 *
 * API
 *   pushTestImage(reg: TestRegistry, repo: string, tag: string, opts?: TestImageOptions): Promise<PushedImage>
 *     TestImageOptions {
 *       platforms?: 1 | 2      // default 2: linux/amd64 + linux/arm64 under an image index; 1: linux/amd64 manifest
 *       layerBytes?: number    // size of each layer's random file, default 2048 (random => gzip does not shrink it)
 *       layers?: number        // layers per platform, default 1
 *       seed?: string          // content seed; default `${repo}:${tag}`. Same seed+shape => same blobs and digests
 *       format?: 'oci' | 'v2s2'  // default 'oci'. 'v2s2' = Docker schema2 manifest (list when platforms 2)
 *     }
 *     PushedImage {
 *       ref: string            // '127.0.0.1:PORT/repo:tag'
 *       digestRef: string      // '127.0.0.1:PORT/repo@sha256:...'
 *       digest: string         // digest of the top manifest/index in the registry
 *       mediaType: string      // of the top manifest
 *       children: Array<{ digest: string; platform: string }>   // platform manifests ('linux/amd64', ...); [] when single
 *       raw: string            // the top manifest exactly as the registry serves it
 *     }
 *   inspectRaw(reg: TestRegistry, ref: string): Promise<{ raw: string; digest: string; mediaType: string }>
 *     `skopeo inspect --raw`; ref may be 'repo:tag', 'repo@sha256:..' or include reg.host. digest = sha256 of raw.
 *   skopeoCopy(src: {reg, ref}, dst: {reg, ref}, opts?: { all?: boolean; format?: 'oci' | 'v2s2' }): Promise<string>
 *     `skopeo copy [--all]` between registries; returns the pushed digest.
 *   buildLayout(opts: LayoutOptions): Promise<BuiltLayout>
 *     The cached OCI layout behind pushTestImage: { dir, tag, digest, children }. Push it with skopeo
 *     yourself via `oci:${dir}:${tag}` if needed.
 *   skopeoAuthArgs(reg, 'src' | 'dest' | 'plain'): string[]   // TLS/creds flags for one registry
 *
 * pushTestImage and inspectRaw talk to the registry themselves (skopeo: pings, HEADs, uploads, a GET):
 * call reg.resetAccessLog() after setting images up and before counting requests.
 *
 * Layouts are built once per (platforms, layerBytes, layers, seed) per process under a temp dir.
 * Builds are deterministic (fixed timestamps, seeded AES-CTR content), so the same options give the
 * same digests in every process. skopeo runs with an isolated HOME and --insecure-policy so the
 * developer's ~/.docker and /etc/containers/policy.json play no part.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestRegistry } from './registry';
import { makeTempDir, runCommand } from './tmp';

export interface LayoutOptions {
  platforms: 1 | 2;
  layerBytes: number;
  layers: number;
  seed: string;
}

export interface BuiltLayout {
  dir: string;
  tag: string;
  digest: string;
  children: Array<{ digest: string; platform: string }>;
}

export interface TestImageOptions {
  platforms?: 1 | 2;
  layerBytes?: number;
  layers?: number;
  seed?: string;
  format?: 'oci' | 'v2s2';
}

export interface PushedImage {
  ref: string;
  digestRef: string;
  digest: string;
  mediaType: string;
  children: Array<{ digest: string; platform: string }>;
  raw: string;
}

const FIXED_TIME = '2020-01-01T00:00:00Z';
const FIXED_DATE = new Date(FIXED_TIME);
const ARCHES = ['amd64', 'arm64'] as const;

interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

let workRootPromise: Promise<string> | undefined;
function workRoot(): Promise<string> {
  workRootPromise ??= (async () => {
    const root = await makeTempDir('reimage-test-images-');
    await writeFile(join(root, 'auth.json'), '{"auths":{}}');
    return root;
  })();
  return workRootPromise;
}

function skopeoEnv(root: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, TMPDIR: root };
}

/** Deterministic pseudo-random bytes from a seed string (AES-256-CTR keystream). */
function seededBytes(seed: string, n: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(n)), cipher.final()]);
}

function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

const layouts = new Map<string, Promise<BuiltLayout>>();

export function buildLayout(opts: LayoutOptions): Promise<BuiltLayout> {
  const key = JSON.stringify([opts.platforms, opts.layerBytes, opts.layers, opts.seed]);
  let p = layouts.get(key);
  if (!p) {
    p = doBuildLayout(opts, key);
    layouts.set(key, p);
    p.catch(() => layouts.delete(key));
  }
  return p;
}

async function readIndex(dir: string): Promise<{ schemaVersion: number; manifests: OciDescriptor[] }> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { schemaVersion: number; manifests: OciDescriptor[] };
}

async function doBuildLayout(opts: LayoutOptions, key: string): Promise<BuiltLayout> {
  const root = await workRoot();
  const name = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const dir = join(root, `layout-${name}`);
  const src = join(root, `src-${name}`);
  await runCommand('umoci', ['init', '--layout', dir]);
  await mkdir(src, { recursive: true });
  const arches = ARCHES.slice(0, opts.platforms);
  for (const arch of arches) {
    const image = `${dir}:${arch}`;
    await runCommand('umoci', ['new', '--image', image]);
    for (let i = 0; i < Math.max(1, opts.layers); i++) {
      const file = join(src, `${arch}-${i}.bin`);
      await writeFile(file, seededBytes(`${opts.seed}/${arch}/${i}`, opts.layerBytes));
      await utimes(file, FIXED_DATE, FIXED_DATE);
      await runCommand('umoci', [
        'insert', '--rootless', '--image', image, '--history.created', FIXED_TIME, file, `/layer-${i}.bin`,
      ]);
    }
    await runCommand('umoci', [
      'config', '--image', image, '--os', 'linux', '--architecture', arch,
      '--created', FIXED_TIME, '--no-history', '--config.label', `reimage.test.seed=${opts.seed}`,
    ]);
  }
  const index = await readIndex(dir);
  const byArch = new Map<string, OciDescriptor>();
  for (const m of index.manifests) {
    const ref = m.annotations?.['org.opencontainers.image.ref.name'];
    if (ref !== undefined) byArch.set(ref, m);
  }
  const children = arches.map((arch) => {
    const d = byArch.get(arch);
    if (!d) throw new Error(`umoci layout ${dir} lacks tag ${arch}`);
    return { desc: d, arch };
  });
  if (opts.platforms === 1) {
    const only = children[0];
    if (!only) throw new Error('no platform built');
    return { dir, tag: 'amd64', digest: only.desc.digest, children: [] };
  }
  const ociIndex = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: children.map(({ desc, arch }) => ({
      mediaType: desc.mediaType,
      digest: desc.digest,
      size: desc.size,
      platform: { architecture: arch, os: 'linux' },
    })),
  };
  const body = Buffer.from(JSON.stringify(ociIndex));
  const digest = sha256(body);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), body);
  index.manifests.push({
    mediaType: ociIndex.mediaType,
    digest,
    size: body.length,
    annotations: { 'org.opencontainers.image.ref.name': 'image' },
  });
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  return {
    dir,
    tag: 'image',
    digest,
    children: children.map(({ desc, arch }) => ({ digest: desc.digest, platform: `linux/${arch}` })),
  };
}

/** skopeo flags for one registry. kind 'plain' is for `skopeo inspect` (no src-/dest- prefix). */
export function skopeoAuthArgs(reg: TestRegistry, kind: 'src' | 'dest' | 'plain'): string[] {
  const p = kind === 'plain' ? '--' : `--${kind}-`;
  const args: string[] = [];
  if (reg.scheme === 'https' && reg.certDir !== undefined) args.push(`${p}cert-dir`, reg.certDir);
  else args.push(`${p}tls-verify=false`);
  if (reg.username !== undefined && reg.password !== undefined) args.push(`${p}creds`, `${reg.username}:${reg.password}`);
  return args;
}

function fullRef(reg: TestRegistry, ref: string): string {
  return ref.startsWith(`${reg.host}/`) ? ref : `${reg.host}/${ref}`;
}

export async function inspectRaw(reg: TestRegistry, ref: string): Promise<{ raw: string; digest: string; mediaType: string }> {
  const root = await workRoot();
  const { stdout } = await runCommand(
    'skopeo',
    ['inspect', '--raw', '--authfile', join(root, 'auth.json'), ...skopeoAuthArgs(reg, 'plain'), `docker://${fullRef(reg, ref)}`],
    { env: skopeoEnv(root) },
  );
  const raw = stdout.toString('utf8');
  const parsed = JSON.parse(raw) as { mediaType?: string; manifests?: unknown[]; config?: { mediaType?: string } };
  // OCI manifests may omit mediaType (umoci does); infer it the way registries do.
  const mediaType =
    parsed.mediaType ??
    (parsed.manifests !== undefined
      ? 'application/vnd.oci.image.index.v1+json'
      : parsed.config?.mediaType === 'application/vnd.docker.container.image.v1+json'
        ? 'application/vnd.docker.distribution.manifest.v2+json'
        : 'application/vnd.oci.image.manifest.v1+json');
  return { raw, digest: sha256(stdout), mediaType };
}

export async function skopeoCopy(
  src: { reg: TestRegistry; ref: string },
  dst: { reg: TestRegistry; ref: string },
  opts: { all?: boolean; format?: 'oci' | 'v2s2' } = {},
): Promise<string> {
  const root = await workRoot();
  const digestFile = join(await makeTempDir('reimage-skopeo-digest-'), 'digest');
  const auth = join(root, 'auth.json');
  await runCommand(
    'skopeo',
    [
      '--insecure-policy', 'copy', '--quiet', ...(opts.all ?? true ? ['--all'] : []),
      ...(opts.format ? ['--format', opts.format] : []),
      '--src-authfile', auth, '--dest-authfile', auth,
      ...skopeoAuthArgs(src.reg, 'src'), ...skopeoAuthArgs(dst.reg, 'dest'),
      '--digestfile', digestFile,
      `docker://${fullRef(src.reg, src.ref)}`, `docker://${fullRef(dst.reg, dst.ref)}`,
    ],
    { env: skopeoEnv(root) },
  );
  return (await readFile(digestFile, 'utf8')).trim();
}

export async function pushTestImage(reg: TestRegistry, repo: string, tag: string, opts: TestImageOptions = {}): Promise<PushedImage> {
  const layout = await buildLayout({
    platforms: opts.platforms ?? 2,
    layerBytes: opts.layerBytes ?? 2048,
    layers: opts.layers ?? 1,
    seed: opts.seed ?? `${repo}:${tag}`,
  });
  const root = await workRoot();
  const ref = `${reg.host}/${repo}:${tag}`;
  const auth = join(root, 'auth.json');
  await runCommand(
    'skopeo',
    [
      '--insecure-policy', 'copy', '--quiet', '--all',
      ...(opts.format === 'v2s2' ? ['--format', 'v2s2'] : []),
      '--dest-authfile', auth, ...skopeoAuthArgs(reg, 'dest'),
      `oci:${layout.dir}:${layout.tag}`, `docker://${ref}`,
    ],
    { env: skopeoEnv(root) },
  );
  const pushed = await inspectRaw(reg, ref);
  const parsed = JSON.parse(pushed.raw) as { manifests?: Array<{ digest: string; platform?: { os: string; architecture: string } }> };
  const children = (parsed.manifests ?? []).map((m) => ({
    digest: m.digest,
    platform: m.platform ? `${m.platform.os}/${m.platform.architecture}` : '',
  }));
  if (opts.format !== 'v2s2' && pushed.digest !== layout.digest) {
    throw new Error(`pushed ${ref} has digest ${pushed.digest}, layout has ${layout.digest}`);
  }
  return {
    ref,
    digestRef: `${reg.host}/${repo}@${pushed.digest}`,
    digest: pushed.digest,
    mediaType: pushed.mediaType,
    children,
    raw: pushed.raw,
  };
}

import { parseReference } from '../src/reference';
import type { Reference } from '../src/reference';
import { createRegistryClient, isNotFound, staticKeychain } from '../src/registry';
import type { ImageRegistry, RegistryClientOptions } from '../src/registry';
import { silentLogger } from '../src/util/log';
import { inspectRaw, pushTestImage } from './support/images';
import { startRegistry, writeDockerConfig, type TestRegistry } from './support/registry';

const ref = (s: string): Reference => parseReference(s);
const FAST_RETRY = { attempts: 5, baseDelayMs: 20, maxDelayMs: 500 };

function client(extra: Partial<RegistryClientOptions> = {}): ImageRegistry {
  return createRegistryClient({ log: silentLogger, retry: FAST_RETRY, ...extra });
}

describe('registry client against docker-registry (plain HTTP)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });

  it('resolves tags and digests, and reports absent images', async () => {
    const img = await pushTestImage(reg, 'src/app', 'v1', { platforms: 2 });
    const c = client();
    expect(await c.resolve(ref(img.ref))).toBe(img.digest);
    expect(await c.resolve(ref(img.digestRef))).toBe(img.digest);
    expect(await c.digestIfExists(ref(`${reg.host}/src/app:nope`))).toBeUndefined();
    const err = await c.resolve(ref(`${reg.host}/src/nothing:v1`)).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    // Resolved for a copy (a GET, its body kept): the same answers.
    expect(await client().resolve(ref(`${reg.host}/src/app:v1`), { forCopy: true })).toBe(img.digest);
    expect(isNotFound(await client().resolve(ref(`${reg.host}/src/gone:v1`), { forCopy: true }).catch((e: unknown) => e))).toBe(true);
  });

  it('copies a 2-platform index keeping its digest, then a second copy uploads nothing', async () => {
    const img = await pushTestImage(reg, 'src/multi', 'v1', { platforms: 2, layerBytes: 64 * 1024 });
    const c = client();
    const stats = await c.copy(ref(img.ref), ref(`${reg.host}/dst/multi:v1`), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    const copied = await inspectRaw(reg, 'dst/multi:v1');
    expect(copied.digest).toBe(img.digest);
    expect(copied.raw).toBe(img.raw);
    for (const child of img.children) {
      const c2 = await inspectRaw(reg, `dst/multi@${child.digest}`);
      expect(c2.digest).toBe(child.digest);
    }
    expect(stats.manifestsPushed).toBe(3);
    // Same registry, other repository: blobs are mounted, not uploaded.
    expect(stats.blobsMounted).toBeGreaterThan(0);
    expect(stats.blobsUploaded).toBe(0);

    const fresh = client();
    await reg.resetAccessLog();
    const again = await fresh.copy(ref(img.ref), ref(`${reg.host}/dst/multi:v1`), { noClobber: true });
    expect(again).toMatchObject({ digest: img.digest, manifestsPushed: 0, blobsUploaded: 0, blobsMounted: 0, bytesUploaded: 0 });
    expect(await reg.blobUploadCount()).toBe(0);
  });
});

describe('registry client: two registries, mappings image, clobber', () => {
  let a: TestRegistry;
  let b: TestRegistry;
  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry(), startRegistry()]);
  });

  it('streams blobs between registries, each distinct blob uploaded once per run', async () => {
    const img = await pushTestImage(a, 'src/app', 'v1', { platforms: 2, layers: 2, layerBytes: 256 * 1024 });
    const c = client();
    await b.resetAccessLog();
    const progress: number[] = [];
    const [s1, s2] = await Promise.all([
      c.copy(ref(img.ref), ref(`${b.host}/x/app:v1`), { noClobber: true, onProgress: (p) => progress.push(p.blobsDone) }),
      c.copy(ref(img.digestRef), ref(`${b.host}/x/app:pinned`), { noClobber: true, onProgress: (p) => progress.push(p.blobsDone) }),
    ]);
    expect(s1.digest).toBe(img.digest);
    expect(s2.digest).toBe(img.digest);
    expect((await inspectRaw(b, 'x/app:v1')).digest).toBe(img.digest);
    expect((await inspectRaw(b, 'x/app:pinned')).digest).toBe(img.digest);
    // 2 platforms × (config + 2 layers), no shared blobs: 6 distinct blobs, uploaded once across both copies.
    expect(await b.blobUploadCount('x/app')).toBe(6);
    expect(s1.blobsUploaded + s2.blobsUploaded).toBe(6);
    expect(s1.bytesUploaded + s2.bytesUploaded).toBeGreaterThan(4 * 256 * 1024);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('many parallel copies of layers larger than any buffer never stall on sockets or the request limit', async () => {
    // Each paused source body holds a socket: more of them than sockets per origin would deadlock until the timeout.
    const imgs = await Promise.all(Array.from({ length: 6 }, (_, i) => pushTestImage(a, `src/wide${i}`, 'v1', { platforms: 2, layers: 2, layerBytes: 3 << 20 })));
    const c = client({ concurrency: 2, timeoutMs: 10_000, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const t0 = Date.now();
    const stats = await Promise.all(imgs.map((img, i) => c.copy(ref(img.ref), ref(`${b.host}/wide/app${i}:v1`), { noClobber: true })));
    expect(stats.map((s) => s.digest)).toEqual(imgs.map((i) => i.digest));
    expect(stats.reduce((n, s) => n + s.blobsUploaded, 0)).toBe(6 * 2 * 3);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);

  it('mounts blobs already pushed to another repository of the target registry in this run', async () => {
    const img = await pushTestImage(a, 'src/shared', 'v1', { platforms: 2 });
    const c = client();
    await c.copy(ref(img.ref), ref(`${b.host}/one/app:v1`), { noClobber: true });
    await b.resetAccessLog();
    const second = await c.copy(ref(img.ref), ref(`${b.host}/two/app:v1`), { noClobber: true });
    expect(second).toMatchObject({ digest: img.digest, blobsUploaded: 0, blobsMounted: 4, bytesUploaded: 0 });
    expect(await b.blobMountCount('two/app')).toBe(4);
    expect(await b.blobUploadCount()).toBe(0);
    // A mount answers for presence too: no HEAD before it.
    expect(await b.requestCount({ method: 'HEAD', path: /\/blobs\// })).toBe(0);
    expect((await inspectRaw(b, 'two/app:v1')).digest).toBe(img.digest);
  });

  it('a retag pushes the tag alone; a new index skips its children\'s HEADs and still uploads only what is missing', async () => {
    const img = await pushTestImage(a, 'src/re', 'v1', { platforms: 2 });
    const other = await pushTestImage(a, 'src/re', 'other', { platforms: 2, seed: 'other' });
    await client().copy(ref(img.ref), ref(`${b.host}/x/re:v1`), { noClobber: true });

    await b.resetAccessLog();
    const retag = await client().copy(ref(img.ref), ref(`${b.host}/x/re:v2`), { noClobber: true });
    expect(retag).toMatchObject({ digest: img.digest, manifestsPushed: 1, blobsUploaded: 0 });
    expect(await b.requestCount({ path: /\/blobs\// })).toBe(0);
    // HEAD of the tag (absent), HEAD by digest (there), PUT of the tag.
    expect(await b.requestCount({ path: /\/manifests\// })).toBe(3);
    expect((await inspectRaw(b, 'x/re:v2')).digest).toBe(img.digest);

    // An index sharing one child with x/re:v1: the shared child is pushed again (idempotent), its blobs are not.
    const pick = (raw: string, i: number): unknown => (JSON.parse(raw) as { manifests: unknown[] }).manifests[i];
    const mixed = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [pick(img.raw, 0), pick(other.raw, 1)] }));
    const put = await fetch(`${a.url}/v2/src/re/manifests/mixed`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: mixed });
    expect(put.status).toBe(201);
    await b.resetAccessLog();
    const stats = await client().copy(ref(`${a.host}/src/re:mixed`), ref(`${b.host}/x/re:mixed`), { noClobber: true });
    expect(stats.digest).toBe(put.headers.get('docker-content-digest'));
    // other's arm64 child: config + 1 layer uploaded; the shared amd64 child's blobs found at the target.
    expect(await b.blobUploadCount('x/re')).toBe(2);
    expect(stats).toMatchObject({ blobsUploaded: 2, blobsSkipped: 2, manifestsPushed: 3 });
    expect(await b.requestCount({ method: 'HEAD', path: /\/manifests\/sha256:/ })).toBe(1);
    expect((await inspectRaw(b, 'x/re:mixed')).raw).toBe(mixed.toString());
  });

  it('resolves each distinct image name once per run', async () => {
    const img = await pushTestImage(a, 'src/once', 'v1', { platforms: 1 });
    const c = client();
    await a.resetAccessLog();
    await Promise.all([c.resolve(ref(img.ref)), c.resolve(ref(img.ref)), c.digestIfExists(ref(img.ref))]);
    await c.resolve(ref(img.ref));
    expect(await a.requestCount({ path: '/v2/src/once/manifests/' })).toBe(1);
  });

  it('refuses to clobber a tag holding another digest, and is a no-op when it already matches', async () => {
    const one = await pushTestImage(a, 'src/c1', 'v1', { platforms: 1, seed: 'one' });
    const two = await pushTestImage(a, 'src/c2', 'v1', { platforms: 1, seed: 'two' });
    const c = client();
    await c.copy(ref(one.ref), ref(`${b.host}/clob/app:v1`), { noClobber: true });
    const err = await c.copy(ref(two.ref), ref(`${b.host}/clob/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ClobberError' });
    expect(String((err as Error).message)).toBe(`refusing to overwrite ${b.host}/clob/app:v1 (currently ${one.digest}) with ${two.digest}; pass -clobber to allow`);
    const same = await c.copy(ref(one.ref), ref(`${b.host}/clob/app:v1`), { noClobber: true });
    expect(same).toMatchObject({ digest: one.digest, manifestsPushed: 0, blobsUploaded: 0 });
    const forced = await client().copy(ref(two.ref), ref(`${b.host}/clob/app:v1`), { noClobber: false });
    expect(forced.digest).toBe(two.digest);
    expect((await inspectRaw(b, 'clob/app:v1')).digest).toBe(two.digest);
  });

  it('round-trips a mappings image, which skopeo sees as a single-layer Docker v2 image', async () => {
    const json = JSON.stringify({ nginx: { tag: 'x/nginx:1', digest: `sha256:${'a'.repeat(64)}` } }, null, 2);
    const target = ref(`${b.host}/reimage/mappings:run1`);
    const digest = await client().pushMappingsImage(target, json);
    const raw = await inspectRaw(b, 'reimage/mappings:run1');
    expect(raw.digest).toBe(digest);
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(JSON.parse(raw.raw).layers).toHaveLength(1);
    expect(await client().pullMappingsImage(target)).toBe(json);
    // Deterministic: the same content gives the same digest.
    expect(await client().pushMappingsImage(ref(`${b.host}/reimage/mappings:run2`), json)).toBe(digest);
  });

  it('rejects pulling a multi-layer image as a mappings image', async () => {
    const img = await pushTestImage(a, 'src/layers', 'v1', { platforms: 1, layers: 2 });
    await expect(client().pullMappingsImage(ref(img.ref))).rejects.toThrow(/multi-layer image, not from reimage/);
  });
});

describe('registry client: auth and TLS', () => {
  it('uses Basic credentials from a docker config (htpasswd registry)', async () => {
    const reg = await startRegistry({ auth: 'htpasswd' });
    const img = await pushTestImage(reg, 'priv/app', 'v1', { platforms: 2 });
    const dir = await writeDockerConfig([reg]);
    const c = client({ dockerConfigDir: dir });
    expect(await c.resolve(ref(img.ref))).toBe(img.digest);
    const stats = await c.copy(ref(img.ref), ref(`${reg.host}/priv/copy:v1`), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    const anon = await client({ dockerConfigDir: `${dir}/none` }).resolve(ref(img.ref)).catch((e: unknown) => e);
    expect(anon).toMatchObject({ name: 'RegistryError', status: 401 });
    expect(String(anon)).not.toContain(reg.password ?? '<none>');
  });

  it('speaks HTTPS to a loopback TLS registry', async () => {
    const reg = await startRegistry({ tls: true });
    const img = await pushTestImage(reg, 'tls/app', 'v1', { platforms: 2 });
    const c = client();
    expect(await c.resolve(ref(img.ref))).toBe(img.digest);
    await c.copy(ref(img.ref), ref(`${reg.host}/tls/copy:v1`), { noClobber: true });
    expect((await inspectRaw(reg, 'tls/copy:v1')).digest).toBe(img.digest);
    expect(await reg.requestCount({ path: '/v2/tls/copy/manifests/' })).toBeGreaterThan(0);
  });

  it('gets bearer tokens, one per scope set, and copies between token-auth repositories', async () => {
    const reg = await startRegistry({ auth: 'token' });
    const img = await pushTestImage(reg, 'tok/app', 'v1', { platforms: 2, layers: 2 });
    reg.tokenServer?.reset();
    const c = client({ keychain: staticKeychain({ [reg.host]: { username: reg.username ?? '', password: reg.password ?? '' } }) });
    expect(await c.resolve(ref(img.ref))).toBe(img.digest);
    const stats = await c.copy(ref(img.ref), ref(`${reg.host}/tok/copy:v1`), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    expect(stats.blobsMounted).toBeGreaterThan(0);
    // Tokens are cached per scope set, and a broader live token serves narrower requests.
    const sets = (reg.tokenServer?.requests ?? []).map((r) => [...r.scopes].sort().join(' '));
    expect(new Set(sets).size).toBe(sets.length);
    expect(sets.length).toBeLessThanOrEqual(3);
    expect((await inspectRaw(reg, 'tok/copy:v1')).digest).toBe(img.digest);
  });

  it('exchanges an identity token (docker config identitytoken) through the OAuth2 POST', async () => {
    const reg = await startRegistry({ auth: 'token', tls: true });
    const img = await pushTestImage(reg, 'oauth/app', 'v1', { platforms: 1 });
    reg.tokenServer?.reset();
    const b64 = (x: string): string => Buffer.from(x).toString('base64url');
    const refresh = `${b64(reg.username ?? '')}:${b64(reg.password ?? '')}`;
    const c = client({ keychain: staticKeychain({ [reg.host]: { identityToken: refresh } }) });
    expect(await c.resolve(ref(img.ref))).toBe(img.digest);
    expect(reg.tokenServer?.requests.map((r) => [r.method, r.status])).toEqual([['POST', 200]]);
  });
});

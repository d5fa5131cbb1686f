import { parseReference } from '../src/reference';
import type { Reference } from '../src/reference';
import { createRegistryClient } from '../src/registry';
import type { ImageRegistry } from '../src/registry';
import { silentLogger } from '../src/util/log';
import { match, startFaultProxy, type Fault, type FaultProxy } from './support/fault-proxy';
import { inspectRaw, pushTestImage, type PushedImage } from './support/images';
import { startRegistry, type TestRegistry } from './support/registry';

const ref = (s: string): Reference => parseReference(s);
const client = (): ImageRegistry => createRegistryClient({ log: silentLogger, retry: { attempts: 5, baseDelayMs: 20, maxDelayMs: 2000 }, timeoutMs: 5000 });

const BLOB_GET = match({ method: 'GET', path: /\/blobs\/sha256:/ });
const MANIFEST_GET = match({ method: 'GET', path: /\/manifests\// });
const BLOB_PUT = match({ method: 'PUT', path: /\/blobs\/uploads\// });
// Every upload POST: a plain one, and the mount from the target repository itself that opens most sessions.
const UPLOAD_POST = match({ method: 'POST', path: /\/blobs\/uploads\/(\?|$)/ });
const MOUNT_POST = match({ method: 'POST', path: /\/blobs\/uploads\/\?mount=/ });
const BLOB_HEAD = match({ method: 'HEAD', path: /\/blobs\/sha256:/ });
const MANIFEST_HEAD = match({ method: 'HEAD', path: /\/manifests\// });

describe('copies through a fault-injecting proxy', () => {
  let src: TestRegistry;
  let dst: TestRegistry;
  let srcProxy: FaultProxy;
  let dstProxy: FaultProxy;
  let img: PushedImage;
  let n = 0;

  beforeAll(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    img = await pushTestImage(src, 'f/app', 'v1', { platforms: 2, layers: 2, layerBytes: 200 * 1024 });
    [srcProxy, dstProxy] = await Promise.all([startFaultProxy(src.host), startFaultProxy(dst.host)]);
  });
  afterEach(() => {
    srcProxy.clearFaults();
    dstProxy.clearFaults();
  });

  const cases: Array<[string, 'src' | 'dst', typeof BLOB_GET, Fault, number?]> = [
    ['429 with Retry-After on the manifest', 'src', MANIFEST_GET, { status: 429, retryAfter: 1 }],
    ['503 on blob GETs', 'src', BLOB_GET, { status: 503 }, 3],
    ['500 on upload POSTs', 'dst', UPLOAD_POST, { status: 500 }, 2],
    ['502 on the mount POSTs that ask the target for each blob', 'dst', MOUNT_POST, { status: 502 }, 2],
    ['502 on the target manifest HEADs (tag, then index by digest)', 'dst', MANIFEST_HEAD, { status: 502 }, 3],
    ['reset before the response of the target manifest HEADs', 'dst', MANIFEST_HEAD, { reset: 'before-response' }, 2],
    ['reset before the response of blob GETs', 'src', BLOB_GET, { reset: 'before-response' }, 2],
    ['reset mid-body of blob GETs (streamed upload breaks)', 'src', BLOB_GET, { reset: 'mid-body' }, 2],
    ['truncated blob bodies', 'src', BLOB_GET, { truncate: 1000 }, 2],
    ['corrupted blob bodies', 'src', BLOB_GET, { corrupt: true }, 2],
    ['truncated manifest bodies', 'src', MANIFEST_GET, { truncate: 10 }, 2],
    ['corrupted manifest bodies', 'src', MANIFEST_GET, { corrupt: true }, 2],
    ['reset before the response of the blob PUT', 'dst', BLOB_PUT, { reset: 'before-response' }, 1],
    ['503 on the blob PUT', 'dst', BLOB_PUT, { status: 503 }, 2],
  ];

  it.each(cases)('completes with the right digest despite %s', async (_name, side, m, fault, times = 1) => {
    (side === 'src' ? srcProxy : dstProxy).addFault({ match: m, fault, times });
    const target = `${dstProxy.host}/copy${++n}/app:v1`;
    const started = Date.now();
    const stats = await client().copy(ref(`${srcProxy.host}/f/app:v1`), ref(target), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    expect((side === 'src' ? srcProxy : dstProxy).pendingFaults()).toBe(0);
    const copied = await inspectRaw(dst, `copy${n}/app:v1`);
    expect(copied.digest).toBe(img.digest);
    for (const child of img.children) expect((await inspectRaw(dst, `copy${n}/app@${child.digest}`)).digest).toBe(child.digest);
    if ('retryAfter' in fault) expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it.each<[string, Fault]>([
    ['corrupted', { corrupt: true }],
    ['truncated', { truncate: 10 }],
  ])('resolving for a copy (one GET kept for it) retries %s manifest bodies, and the copy GETs the index no more', async (_name, fault) => {
    srcProxy.addFault({ match: MANIFEST_GET, fault, times: 2 });
    const c = client();
    srcProxy.reset();
    expect(await c.resolve(ref(`${srcProxy.host}/f/app:v1`), { forCopy: true })).toBe(img.digest);
    expect(srcProxy.pendingFaults()).toBe(0);
    const target = `${dstProxy.host}/kept${++n}/app:v1`;
    expect((await c.copy(ref(`${srcProxy.host}/f/app@${img.digest}`), ref(target), { noClobber: true })).digest).toBe(img.digest);
    expect(srcProxy.count((r) => r.path.includes('/manifests/') && !r.path.includes('/manifests/sha256:'))).toBe(3);
    expect(srcProxy.count((r) => r.path.includes(`/manifests/${img.digest}`))).toBe(0);
    expect((await inspectRaw(dst, `kept${n}/app:v1`)).digest).toBe(img.digest);
  });

  it('a registry that refuses mounts from the target itself: HEAD, then a plain upload, retried through 502s', async () => {
    dstProxy.addFault({ match: MOUNT_POST, fault: { status: 400 }, times: Infinity });
    dstProxy.addFault({ match: BLOB_HEAD, fault: { status: 502 }, times: 2 });
    dstProxy.reset();
    const target = `${dstProxy.host}/nomount${++n}/app:v1`;
    const c = client();
    const stats = await c.copy(ref(`${srcProxy.host}/f/app:v1`), ref(target), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    expect(stats.blobsUploaded).toBe(6);
    const mounts = (): number => dstProxy.count((r) => r.method === 'POST' && r.path.includes('?mount='));
    // At most one mount per blob (those in flight before the first refusal came back), and a HEAD each.
    expect(mounts()).toBeLessThanOrEqual(6);
    expect(dstProxy.count((r) => r.method === 'HEAD' && r.path.includes('/blobs/sha256:'))).toBeGreaterThanOrEqual(6 + 2);
    // The refusal is remembered for the registry: the next image's blobs are not asked for by mount at all.
    const next = await pushTestImage(src, 'f/next', 'v1', { platforms: 1, layers: 1, layerBytes: 1024 });
    expect((await c.copy(ref(`${srcProxy.host}/f/next:v1`), ref(`${dstProxy.host}/nomount${n}/next:v1`), { noClobber: true })).blobsUploaded).toBe(2);
    expect(dstProxy.count((r) => r.method === 'POST' && r.path.includes(`/nomount${n}/next/blobs/uploads/?mount=`))).toBe(0);
    expect((await inspectRaw(dst, `nomount${n}/app:v1`)).digest).toBe(img.digest);
  });

  it('a blob the target repository holds (another tag) is found by the mount from itself: no HEAD, no upload', async () => {
    const target = `${dstProxy.host}/shared${++n}/app`;
    await client().copy(ref(`${srcProxy.host}/f/app:v1`), ref(`${target}:v1`), { noClobber: true });
    // One platform of the same build: its blobs are all in the target repository already, under v1's index.
    const other = await pushTestImage(src, 'f/other', 'v1', { platforms: 1, layers: 2, layerBytes: 200 * 1024, seed: 'f/app:v1' });
    dstProxy.reset();
    const stats = await client().copy(ref(`${srcProxy.host}/f/other:v1`), ref(`${target}:v2`), { noClobber: true });
    expect(stats.digest).toBe(other.digest);
    expect(dstProxy.count((r) => r.method === 'HEAD' && r.path.includes('/blobs/'))).toBe(0);
    expect(stats).toMatchObject({ blobsUploaded: 0, blobsMounted: 0, blobsSkipped: 3, bytesUploaded: 0 });
    expect((await inspectRaw(dst, `shared${n}/app:v2`)).digest).toBe(other.digest);
  });

  it('fails with a clear error when a fault persists', async () => {
    srcProxy.addFault({ match: BLOB_GET, fault: { status: 503 }, times: Infinity });
    const err = await client().copy(ref(`${srcProxy.host}/f/app:v1`), ref(`${dstProxy.host}/broken/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RegistryError', status: 503, temporary: true });
    expect(String((err as Error).message)).toMatch(/fetching blob sha256:[0-9a-f]{64}: GET .*\/v2\/f\/app\/blobs\/sha256:[0-9a-f]{64}: UNAVAILABLE: injected 503/);
  });

  it('fails with a digest error when a blob is always corrupted', async () => {
    srcProxy.addFault({ match: BLOB_GET, fault: { corrupt: true }, times: Infinity });
    const err = await client().copy(ref(`${srcProxy.host}/f/app:v1`), ref(`${dstProxy.host}/corrupt/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/digest mismatch/);
    expect(await client().digestIfExists(ref(`${dst.host}/corrupt/app:v1`))).toBeUndefined();
  });
});

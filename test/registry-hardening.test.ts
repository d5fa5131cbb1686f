/**
 * Issue 8, items 5, 6, 13, 16 and 17: no credential over plain HTTP or to another origin, bounded inflation
 * of a mappings image, one retry budget per operation, and registries on ports that fetch refuses. Real
 * docker-registry instances behind the fault proxy; each case asserts the exact outcome, at the client
 * and through the CLI (exit code, empty stdout, one line, no secret anywhere).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { parseReference } from '../src/reference';
import { createRegistryClient, staticKeychain } from '../src/registry';
import type { ImageRegistry, RegistryClientOptions } from '../src/registry';
import { silentLogger } from '../src/util/log';
import { run, runCli } from './support/cli';
import { match, startFaultProxy, type FaultProxy } from './support/fault-proxy';
import { inspectRaw, pushTestImage, type PushedImage } from './support/images';
import { ensureTlsMaterial, startRegistry, trustCAInProcess, type TestRegistry } from './support/registry';
import { startTokenServer } from './support/token-server';
import { makeTempDir } from './support/tmp';

const ref = parseReference;
const FAST = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 };
const client = (extra: Partial<RegistryClientOptions> = {}): ImageRegistry =>
  createRegistryClient({ log: silentLogger, retry: FAST, timeoutMs: 5000, ...extra });
const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const b64url = (x: string): string => Buffer.from(x).toString('base64url');

const UPLOAD_POST = match({ method: 'POST', path: /\/blobs\/uploads\/(\?|$)/ });
const BLOB_GET = match({ method: 'GET', path: /\/blobs\/sha256:/ });
const MANIFEST_GET = match({ method: 'GET', path: /\/manifests\// });
const MANIFEST_HEAD = match({ method: 'HEAD', path: /\/manifests\// });
const TOKEN_POST = match({ method: 'POST', path: '/token' });
const TOKEN_GET = match({ method: 'GET', path: '/token' });

const deployment = (image: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: ${image}\n`;

/** stderr lines other than debug logging. */
const messageLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('level='));

async function dockerConfig(auths: Record<string, Record<string, string>>): Promise<string> {
  const dir = await makeTempDir('reimage-hardening-docker-');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

async function tlsProxy(target: string): Promise<{ proxy: FaultProxy; caFile: string }> {
  const tls = await ensureTlsMaterial();
  const [cert, key] = await Promise.all([readFile(tls.serverCert, 'utf8'), readFile(tls.serverKey, 'utf8')]);
  trustCAInProcess(await readFile(tls.caFile, 'utf8'));
  return { proxy: await startFaultProxy(target, [], { tls: { cert, key } }), caFile: tls.caFile };
}

let src: TestRegistry;
let img: PushedImage;
beforeAll(async () => {
  src = await startRegistry();
  img = await pushTestImage(src, 'h/app', 'v1', { platforms: 2, layerBytes: 4096 });
}, 60_000);

describe('item 5: no credentials over plain HTTP, no https → http downgrade', () => {
  let secured: TestRegistry;
  let front: FaultProxy;
  let caFile: string;
  let creds: { username: string; password: string };
  beforeAll(async () => {
    secured = await startRegistry({ auth: 'htpasswd' });
    ({ proxy: front, caFile } = await tlsProxy(secured.host));
    creds = { username: secured.username ?? '', password: secured.password ?? '' };
  });
  afterEach(() => {
    front.clearFaults();
    front.reset();
  });

  it('refuses an upload Location that downgrades an HTTPS registry to http://, sending nothing in clear text', async () => {
    front.addFault({ match: UPLOAD_POST, fault: { locationScheme: 'http' }, times: Infinity });
    const c = client({ keychain: staticKeychain({ [front.host]: creds }) });
    const err = await c.copy(ref(img.ref), ref(`${front.host}/down/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(new RegExp(`refusing to downgrade https://${front.host.replace(/\./g, '\\.')} to plain HTTP; name ${front.host.replace(/\./g, '\\.')} in -insecure-registry`));
    expect(front.requests.some((r) => r.fault === 'location http')).toBe(true);
    expect(front.requests.filter((r) => r.scheme === 'http')).toEqual([]);
    expect(String(err)).not.toContain(creds.password);
  });

  it('the same copy works when the registry is named in -insecure-registry (the control)', async () => {
    const c = client({ keychain: staticKeychain({ [front.host]: creds }), insecureRegistries: [front.host] });
    const stats = await c.copy(ref(img.ref), ref(`${front.host}/plain/app:v1`), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    expect(front.requests.every((r) => r.scheme === 'http')).toBe(true);
  });

  it('refuses a redirect from https to http on a blob GET', async () => {
    const { proxy: source } = await tlsProxy(src.host);
    source.addFault({ match: BLOB_GET, fault: { redirect: (r) => `http://${source.host}${r.path}`, redirectStatus: 302 }, times: Infinity });
    const c = client({ keychain: staticKeychain({ [front.host]: creds }) });
    const err = await c.copy(ref(`${source.host}/h/app:v1`), ref(`${front.host}/redir/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/GET https?:\/\/127\.0\.0\.1:\d+\/v2\/h\/app\/blobs\/sha256:[0-9a-f]{64}: refusing to downgrade https:\/\/127\.0\.0\.1:\d+ to plain HTTP/);
    expect(source.requests.filter((r) => r.scheme === 'http')).toEqual([]);
    await source.stop();
  });

  it('through the CLI: exit 1, empty stdout, one line naming the downgrade, no secret', async () => {
    front.addFault({ match: UPLOAD_POST, fault: { locationScheme: 'http' }, times: Infinity });
    const dir = await dockerConfig({ [front.host]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } });
    const r = await runCli(['-rename-remote-path', `${front.host}/cli`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1'], deployment(img.ref), { env: { DOCKER_CONFIG: dir, NODE_EXTRA_CA_CERTS: caFile } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = messageLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refusing to downgrade https:\/\/127\.0\.0\.1:\d+ to plain HTTP/);
    expect(r.stderr).not.toContain(creds.password);
    expect(front.requests.filter((x) => x.scheme === 'http')).toEqual([]);
  });
});

describe('item 6: no credential is replayed to another origin', () => {
  const username = 'robot';
  const password = `pw-${Date.now()}`;
  const refresh = `${b64url(username)}:${b64url(password)}`;
  let reg: TestRegistry;
  let tokenFront: FaultProxy;
  let elsewhere: FaultProxy;
  let pushed: PushedImage;
  beforeAll(async () => {
    const ts = await startTokenServer({ username, password });
    const tsHost = new URL(ts.realm).host;
    [tokenFront, elsewhere] = await Promise.all([startFaultProxy(tsHost), startFaultProxy(tsHost)]);
    reg = await startRegistry({
      auth: 'token',
      username,
      password,
      configOverride: (c) => {
        ((c.auth as Record<string, Record<string, unknown>>).token as Record<string, unknown>).realm = `${tokenFront.url}/token`;
      },
    });
    pushed = await pushTestImage(reg, 'tok/app', 'v1', { platforms: 1 });
  });
  afterEach(() => {
    tokenFront.clearFaults();
    tokenFront.reset();
    elsewhere.reset();
  });

  it('the identity-token POST works through the token front (the control)', async () => {
    const c = client({ keychain: staticKeychain({ [reg.host]: { identityToken: refresh } }) });
    expect(await c.resolve(ref(pushed.ref))).toBe(pushed.digest);
    expect(tokenFront.count({ method: 'POST', path: '/token' })).toBe(1);
  });

  it('a 307 of the token POST to another origin is refused, and that origin sees nothing', async () => {
    tokenFront.addFault({ match: TOKEN_POST, fault: { redirect: `${elsewhere.url}/token`, redirectStatus: 307 }, times: Infinity });
    const c = client({ keychain: staticKeychain({ [reg.host]: { identityToken: refresh } }) });
    const err = await c.resolve(ref(pushed.ref)).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/token: redirected \(307\) to another origin http:\/\/127\.0\.0\.1:\d+; a request carrying credentials is not replayed there/);
    expect(tokenFront.saw(refresh)).toBe(true);
    expect(elsewhere.requests).toEqual([]);
    expect(elsewhere.saw(refresh)).toBe(false);
    expect(String(err)).not.toContain(password);
  });

  it('a Basic token GET redirected to another origin arrives there without credentials', async () => {
    tokenFront.addFault({ match: TOKEN_GET, fault: { redirect: (r) => `${elsewhere.url}${r.path}`, redirectStatus: 302 }, times: Infinity });
    const c = client({ keychain: staticKeychain({ [reg.host]: { username, password } }) });
    const err = await c.resolve(ref(pushed.ref)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RegistryError', status: 401 });
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests.every((r) => !r.hadAuthorization)).toBe(true);
    expect(elsewhere.saw(password)).toBe(false);
  });

  it('a token endpoint that keeps failing is tried `attempts` times per operation, not attempts squared', async () => {
    tokenFront.reset();
    tokenFront.addFault({ match: TOKEN_GET, fault: { status: 503 }, times: Infinity });
    const c = client({ keychain: staticKeychain({ [reg.host]: { username, password } }) });
    await expect(c.resolve(ref(pushed.ref))).rejects.toMatchObject({ status: 503 });
    expect(tokenFront.count({ method: 'GET', path: '/token' })).toBe(FAST.attempts);
    tokenFront.reset();
    // copy: the manifest GET is an operation; its token request is tried once per attempt.
    await expect(c.copy(ref(pushed.digestRef), ref(`${reg.host}/tok/copy:v1`), { noClobber: true })).rejects.toMatchObject({ status: 503 });
    expect(tokenFront.count({ method: 'GET', path: '/token' })).toBe(FAST.attempts);
  });

  it('through the CLI: exit 1, empty stdout, one line, the refresh token nowhere', async () => {
    tokenFront.addFault({ match: TOKEN_POST, fault: { redirect: `${elsewhere.url}/token`, redirectStatus: 307 }, times: Infinity });
    const dir = await dockerConfig({ [reg.host]: { identitytoken: refresh } });
    const r = await runCli([], deployment(pushed.ref), { env: { DOCKER_CONFIG: dir } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = messageLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/redirected \(307\) to another origin/);
    expect(r.stderr).not.toContain(refresh);
    expect(r.stderr).not.toContain(password);
    expect(elsewhere.requests).toEqual([]);
  });
});

/** Pushes an image by hand over plain HTTP: blobs by POST + PUT, then the manifest. */
async function pushRaw(reg: TestRegistry, repo: string, tag: string, blobs: Buffer[], manifest: Buffer, mediaType: string): Promise<void> {
  for (const blob of blobs) {
    const start = await fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location') ?? '', reg.url);
    location.searchParams.set('digest', sha(blob));
    const put = await fetch(location, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
  }
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': mediaType } });
  if (res.status !== 201) throw new Error(`manifest upload: ${res.status} ${await res.text()}`);
}

/** A gzip stream of a tar header and `inflated` zero bytes: about 1 KB per MB. */
async function gzipBomb(inflated: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((r) => gz.on('end', () => r()));
  const header = Buffer.alloc(512);
  header.write('reimage-mapping.json', 0);
  gz.write(header);
  const zeros = Buffer.alloc(8 << 20);
  for (let n = 0; n < inflated; n += zeros.length) {
    if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

describe('item 13: a mappings image that inflates hugely is refused with bounded memory', () => {
  let reg: TestRegistry;
  let bombRef: string;
  beforeAll(async () => {
    reg = await startRegistry();
    const layer = await gzipBomb(1 << 30);
    const config = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [sha('x')] }, config: {} }));
    const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: sha(layer) }],
    }));
    await pushRaw(reg, 'bomb/mappings', 'v1', [config, layer], manifest, mediaType);
    bombRef = `${reg.host}/bomb/mappings:v1`;
  }, 60_000);

  it('the client stops at the documented 64 MiB cap', async () => {
    const err = await client().pullMappingsImage(ref(bombRef)).catch((e: unknown) => e);
    expect(String((err as Error).message)).toBe(`${reg.host}/bomb/mappings:v1: layer inflates to more than 64 MiB, the limit for a mappings image (a gzip bomb?)`);
  });

  it('through the CLI: exit 1, empty stdout, one line, peak RSS far below the 1 GiB the layer inflates to', async () => {
    const r = await run('/usr/bin/time', ['-f', 'RSS_KB=%M', process.execPath, join(__dirname, '..', 'dist', 'cli', 'main.js'), '-static-json-mappings-img', bombRef], { stdin: deployment(img.ref) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const rss = Number(/RSS_KB=(\d+)/.exec(r.stderr)?.[1]);
    const lines = messageLines(r.stderr.replace(/RSS_KB=\d+\n?/, '').replace(/^Command exited with non-zero status \d+\n/m, ''));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('layer inflates to more than 64 MiB');
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(320 * 1024);
  });
});

describe('item 16: one retry budget per operation', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(src.host);
  });
  afterEach(() => {
    proxy.clearFaults();
    proxy.reset();
  });

  it('a hanging manifest GET is tried `attempts` times, each for `timeoutMs`, then fails', async () => {
    proxy.addFault({ match: MANIFEST_GET, fault: { hang: true }, times: Infinity });
    const c = client({ timeoutMs: 400, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
    const t0 = Date.now();
    const err = await c.copy(ref(`${proxy.host}/h/app:v1`), ref(`${src.host}/hang/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(String((err as Error).message)).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v2\/h\/app\/manifests\/(v1|sha256:[0-9a-f]{64}): REIMAGE_TIMEOUT: timed out after 400 ms waiting for response headers/);
    expect(proxy.count({ method: 'GET', path: /\/manifests\// })).toBe(3);
    expect(took).toBeGreaterThanOrEqual(3 * 400);
    expect(took).toBeLessThan(3 * 400 + 2 * 50 + 1500);
  });

  it('a hanging manifest HEAD (resolve) is tried `attempts` times too', async () => {
    proxy.addFault({ match: MANIFEST_HEAD, fault: { hang: true }, times: Infinity });
    const c = client({ timeoutMs: 300, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 } });
    await expect(c.resolve(ref(`${proxy.host}/h/app:v1`))).rejects.toThrow(/timed out after 300 ms/);
    expect(proxy.count({ method: 'HEAD', path: /\/manifests\// })).toBe(4);
  });

  it('a blob GET that keeps answering 503 is tried exactly `attempts` times', async () => {
    proxy.addFault({ match: BLOB_GET, fault: { status: 503 }, times: Infinity });
    const c = client({ retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 } });
    const err = await c.copy(ref(`${proxy.host}/h/app:v1`), ref(`${src.host}/budget/app:v1`), { noClobber: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RegistryError', status: 503 });
    // Every distinct blob is one operation; each gets at most 5 tries, none more.
    const perBlob = new Map<string, number>();
    for (const r of proxy.requests.filter((x) => x.method === 'GET' && /\/blobs\//.test(x.path))) perBlob.set(r.path, (perBlob.get(r.path) ?? 0) + 1);
    expect(Math.max(...perBlob.values())).toBe(5);
  });

  it('through the CLI: -registry-timeout and -registry-attempts bound a hanging registry', async () => {
    proxy.addFault({ match: MANIFEST_HEAD, fault: { hang: true }, times: Infinity });
    const t0 = Date.now();
    const r = await runCli(['-registry-timeout', '500ms', '-registry-attempts', '2'], deployment(`${proxy.host}/h/app:v1`));
    const took = Date.now() - t0;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/timed out after 500 ms/);
    expect(proxy.count({ method: 'HEAD', path: /\/manifests\// })).toBe(2);
    expect(took).toBeLessThan(2 * 500 + 4000);
  });
});

/** The first of `ports` nothing listens on (a fixed port may be taken by another test run). */
async function freePort(ports: readonly number[]): Promise<number | undefined> {
  for (const port of ports) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  return undefined;
}

// Ports on the fetch spec's "bad ports" list, which undici's fetch refuses outright.
const BLOCKED = [6000, 6665, 6666, 6667, 6668, 6669, 5060, 5061, 6697, 4190, 6566, 10080, 2049, 3659];

describe('item 17: registries on ports that fetch blocks (undici fetch\'s bad-port list; node:http has none)', () => {
  it('resolves, copies to and re-copies onto a real docker-registry on a blocked port', async () => {
    const port = await freePort(BLOCKED);
    if (port === undefined) throw new Error(`every blocked port in ${BLOCKED.join(',')} is taken`);
    const blocked = await startRegistry({ port });
    expect(blocked.host).toBe(`127.0.0.1:${port}`);
    const c = client();
    const stats = await c.copy(ref(img.ref), ref(`${blocked.host}/mirror/app:v1`), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    expect((await inspectRaw(blocked, 'mirror/app:v1')).digest).toBe(img.digest);
    expect(await client().resolve(ref(`${blocked.host}/mirror/app:v1`))).toBe(img.digest);
    const again = await client().copy(ref(img.ref), ref(`${blocked.host}/mirror/app:v1`), { noClobber: true });
    expect(again.blobsUploaded).toBe(0);
    await blocked.stop();
  });

  it('through the CLI, with the source behind a fault proxy on another blocked port', async () => {
    const p1 = await freePort(BLOCKED);
    if (p1 === undefined) throw new Error('no blocked port free');
    const front = await startFaultProxy(src.host, [], { port: p1 });
    const p2 = await freePort(BLOCKED.filter((p) => p !== p1));
    if (p2 === undefined) throw new Error('no second blocked port free');
    const target = await startRegistry({ port: p2 });
    const r = await runCli(['-rename-remote-path', `${target.host}/m`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1'], deployment(`${front.host}/h/app:v1`));
    expect(r.stderr).not.toMatch(/error|bad port/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${target.host}/m/h/app:v1`);
    expect((await inspectRaw(target, 'm/h/app:v1')).digest).toBe(img.digest);
    await Promise.all([front.stop(), target.stop()]);
  });
});


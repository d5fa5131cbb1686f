import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseReference } from '../src/reference';
import { ANONYMOUS, createRegistryClient, dockerKeychain, googleKeychain, multiKeychain, RegistryError, staticKeychain } from '../src/registry';
import { getCostsMoreThanHead } from '../src/registry/client';
import { errorFromResponse } from '../src/registry/errors';
import { buildMappingsImage } from '../src/registry/remote/mappings-image';
import { readTar, writeTar } from '../src/registry/tar';
import { mergeScopes, parseChallenge } from '../src/registry/transport/challenge';
import { createTransport } from '../src/registry/transport';
import { backoffMs, parseRetryAfter } from '../src/registry/transport/retry';
import { Semaphore } from '../src/util/concurrency';
import { silentLogger } from '../src/util/log';
import { makeTempDir } from './support/tmp';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 3000 };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A tiny HTTP server whose handler the test writes; records every request. */
async function fake(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void | Promise<void>): Promise<{ host: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handler(req, res, seen));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const MANIFEST = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha('{}'), size: 2 },
  layers: [],
}));
const MANIFEST_DIGEST = sha(MANIFEST);

function serveManifest(res: ServerResponse, method: string, withDigest = true): void {
  res.writeHead(200, {
    'content-type': 'application/vnd.oci.image.manifest.v1+json',
    'content-length': MANIFEST.length,
    ...(withDigest ? { 'docker-content-digest': MANIFEST_DIGEST } : {}),
  });
  res.end(method === 'HEAD' ? undefined : MANIFEST);
}

const ref = (s: string) => parseReference(s);

describe('transport: retry', () => {
  it('honours Retry-After in seconds on 429, then succeeds', async () => {
    let calls = 0;
    const f = await fake((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      if (++calls === 1) return void res.writeHead(429, { 'retry-after': '1' }).end();
      serveManifest(res, req.method ?? 'GET');
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, insecureRegistries: [f.host] });
    const t0 = Date.now();
    expect(await c.resolve(ref(`${f.host}/a/b:v1`))).toBe(MANIFEST_DIGEST);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(calls).toBe(2);
  });

  it('parses Retry-After as seconds or HTTP-date, and caps waits', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('garbage')).toBeUndefined();
    expect(backoffMs(0, FAST, 60_000)).toBe(3000);
    for (let i = 0; i < 20; i++) expect(backoffMs(10, FAST)).toBeLessThanOrEqual(3000);
  });

  it('retries 5xx and gives up after the bounded attempts with the registry error', async () => {
    const f = await fake((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }));
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, insecureRegistries: [f.host] });
    const err = await c.resolve(ref(`${f.host}/a/b:v1`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ status: 503, temporary: true });
    expect(f.seen.filter((s) => s.url.includes('/manifests/')).length).toBe(FAST.attempts);
  });

  it('times out a request that never answers', async () => {
    const f = await fake((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      // never answer manifests
      void res;
    });
    const c = createRegistryClient({ log: silentLogger, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, timeoutMs: 200, insecureRegistries: [f.host] });
    const err = await c.resolve(ref(`${f.host}/a/b:v1`)).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/timed out after 200 ms/);
    f.server.closeAllConnections();
  });
});

describe('transport: redirects and auth', () => {
  it('follows a blob redirect to another host without the Authorization header', async () => {
    const img = buildMappingsImage('{"a":1}');
    const storage = await fake((_req, res) => void res.writeHead(200, { 'content-length': img.layer.length }).end(img.layer));
    const reg = await fake((req, res) => {
      if (req.headers.authorization !== 'Basic ' + Buffer.from('u:p').toString('base64')) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      }
      if (req.url?.includes('/manifests/')) {
        res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'docker-content-digest': img.digest });
        return void res.end(img.manifest);
      }
      if (req.url?.includes('/blobs/')) return void res.writeHead(307, { location: `http://${storage.host}/bucket/blob?sig=secret` }).end();
      res.writeHead(200).end();
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, keychain: staticKeychain({ [reg.host]: { username: 'u', password: 'p' } }) });
    expect(await c.pullMappingsImage(ref(`${reg.host}/m/maps:v1`))).toBe('{"a":1}');
    expect(reg.seen.some((s) => s.url.includes('/blobs/') && s.headers.authorization)).toBe(true);
    expect(storage.seen).toHaveLength(1);
    expect(storage.seen[0]?.headers.authorization).toBeUndefined();
    expect(storage.seen[0]?.url).toBe('/bucket/blob?sig=secret');
  });

  it('fetches a bearer token for the challenge, caches it, and merges scopes on a new challenge', async () => {
    const tokenReqs: string[] = [];
    const tokens = await fake((req, res) => {
      tokenReqs.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const scopes = u.searchParams.getAll('scope').join(' ');
      expect(req.headers.authorization).toBe('Basic ' + Buffer.from('bob:pw').toString('base64'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `T[${scopes}]`, expires_in: 300 }));
    });
    const reg = await fake((req, res) => {
      const realm = `realm="http://${tokens.host}/token",service="svc"`;
      if (req.url === '/v2/') return void res.writeHead(401, { 'www-authenticate': `Bearer ${realm}` }).end();
      const m = /^\/v2\/(.+)\/manifests\//.exec(req.url ?? '');
      const need = `repository:${m?.[1]}:pull`;
      // This registry also insists on an extra scope for repo "odd".
      const extra = m?.[1] === 'odd' ? ' repository:odd:metadata' : '';
      const auth = req.headers.authorization ?? '';
      const granted = /T\[(.*)\]/.exec(auth)?.[1]?.split(' ') ?? [];
      const covers = (scope: string): boolean => granted.some((g) => g.startsWith(scope.slice(0, scope.lastIndexOf(':') + 1)) && g.split(':').pop()?.split(',').includes(scope.split(':').pop() ?? ''));
      if (!covers(need) || (extra && !covers('repository:odd:metadata'))) {
        return void res.writeHead(401, { 'www-authenticate': `Bearer ${realm},scope="${need}${extra}"` }).end();
      }
      serveManifest(res, req.method ?? 'GET');
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, keychain: staticKeychain({ [reg.host]: { username: 'bob', password: 'pw' } }) });
    await c.resolve(ref(`${reg.host}/a/b:v1`));
    await c.resolve(ref(`${reg.host}/a/b:v2`));
    expect(tokenReqs).toHaveLength(1);
    expect(tokenReqs[0]).toBe('/token?service=svc&scope=repository%3Aa%2Fb%3Apull');
    await c.resolve(ref(`${reg.host}/odd:v1`));
    expect(tokenReqs).toHaveLength(3);
    expect(decodeURIComponent(tokenReqs[2] ?? '')).toContain('scope=repository:odd:metadata,pull');
  });

  it('asks a copy target for pull,push in one token, and falls back to pull where the token server refuses push', async () => {
    const tokenReqs: string[] = [];
    const tokens = await fake((req, res) => {
      const scopes = new URL(req.url ?? '/', 'http://x').searchParams.getAll('scope').join(' ');
      tokenReqs.push(scopes);
      if (scopes.includes('push')) return void res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no push for you' }] }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `T[${scopes}]`, expires_in: 300 }));
    });
    const reg = await fake((req, res) => {
      const challenge = `Bearer realm="http://${tokens.host}/token",service="svc"`;
      if (req.url === '/v2/' || !req.headers.authorization?.startsWith('Bearer T[')) return void res.writeHead(401, { 'www-authenticate': challenge }).end();
      serveManifest(res, req.method ?? 'GET');
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, keychain: staticKeychain({ [reg.host]: { username: 'bob', password: 'pw' } }) });
    expect(await c.digestIfExists(ref(`${reg.host}/ro/app:v1`), { forPush: true })).toBe(MANIFEST_DIGEST);
    expect(tokenReqs).toEqual(['repository:ro/app:pull,push', 'repository:ro/app:pull']);
    // Without forPush, pull alone, as before.
    expect(await c.digestIfExists(ref(`${reg.host}/ro/other:v1`))).toBe(MANIFEST_DIGEST);
    expect(tokenReqs.slice(2)).toEqual(['repository:ro/other:pull']);
  });

  it('pings a loopback registry that answers no TLS hello over plain HTTP alone; insecure registries go straight to HTTP', async () => {
    const f = await fake((req, res) => serveManifest(res, req.method ?? 'GET'));
    const urls: string[] = [];
    const mk = (insecure: string[]) => createTransport({ keychain: staticKeychain({}), insecureRegistries: insecure, tap: (r) => urls.push(r.url), semaphore: new Semaphore(2) });
    await (await mk([]).doer({ method: 'GET', url: '/v2/x/manifests/v1', registry: f.host })).bytes();
    expect(urls).toEqual([`http://${f.host}/v2/`, `http://${f.host}/v2/x/manifests/v1`]);
    urls.length = 0;
    await (await mk([f.host]).doer({ method: 'GET', url: '/v2/x/manifests/v1', registry: f.host })).bytes();
    expect(urls).toEqual([`http://${f.host}/v2/`, `http://${f.host}/v2/x/manifests/v1`]);
  });

  it('a loopback port that cannot be reached fails as the HTTPS ping did: naming the URL, not retried when refused', async () => {
    const closed = await fake(() => undefined);
    const { host } = closed;
    await new Promise((r) => closed.server.close(r));
    const t = createTransport({ keychain: staticKeychain({}), semaphore: new Semaphore(2), retry: FAST });
    const err = await t.doer({ method: 'GET', url: '/v2/x/manifests/v1', registry: host }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toBe(`GET https://${host}/v2/: connect ECONNREFUSED ${host}`);
    expect((err as { temporary?: boolean }).temporary).toBe(false);
  });

  it('falls back to GET when HEAD gives no Docker-Content-Digest, and sends the user agent and all four Accept types', async () => {
    const f = await fake((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      serveManifest(res, req.method ?? 'GET', false);
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, insecureRegistries: [f.host] });
    expect(await c.resolve(ref(`${f.host}/a/b:v1`))).toBe(MANIFEST_DIGEST);
    const calls = f.seen.filter((s) => s.url.includes('/manifests/'));
    expect(calls.map((s) => s.method)).toEqual(['HEAD', 'GET']);
    expect(calls[0]?.headers['user-agent']).toMatch(/^reimage\/\d+\.\d+\.\d+/);
    expect(String(calls[0]?.headers.accept).split(', ').sort()).toEqual([
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
    ]);
    // A digest reference must come back with that digest.
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(c.resolve(ref(`${f.host}/a/b@${wrong}`))).rejects.toThrow(/digest mismatch/);
  });

  it('bounds requests in flight with the run-wide limit', async () => {
    let active = 0;
    let peak = 0;
    const f = await fake(async (req, res) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 30));
      active--;
      if (req.url === '/v2/') return void res.writeHead(200).end();
      serveManifest(res, req.method ?? 'GET');
    });
    const c = createRegistryClient({ log: silentLogger, retry: FAST, concurrency: 2, insecureRegistries: [f.host] });
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.resolve(ref(`${f.host}/a/b:v${i}`))));
    expect(peak).toBe(2);
  });
});

describe('errors', () => {
  it('carries status, registry codes and a URL without credentials or query', async () => {
    const res = new Response(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no push', detail: { x: 1 } }] }), { status: 403 });
    const e = await errorFromResponse('PUT', 'https://user:pw@r.example/v2/a/blobs/uploads/x?_state=SECRET&digest=sha256:1', res, 'uploading');
    expect(e.message).toBe('uploading: PUT https://r.example/v2/a/blobs/uploads/x: DENIED: no push');
    expect(e).toMatchObject({ status: 403, codes: ['DENIED'], method: 'PUT', temporary: false, url: 'https://r.example/v2/a/blobs/uploads/x' });
    expect(e.isNotFound()).toBe(false);
    expect(new RegistryError('x', { status: 404 }).isNotFound()).toBe(true);
    expect(new RegistryError('x', { status: 429 }).temporary).toBe(true);
  });
});

describe('keychain', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('reimage-keychain-');
  });

  async function config(name: string, json: unknown): Promise<string> {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'config.json'), JSON.stringify(json));
    return d;
  }

  it('reads auths entries as docker does (base64 auth, username/password, identity token, Hub key, scheme prefixes)', async () => {
    const d = await config('auths', {
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') },
        'https://reg.example:5000': { username: 'u', password: 'p' },
        'tok.example': { identitytoken: 'refresh' },
      },
    });
    const k = dockerKeychain({ configDir: d });
    expect(await (await k.resolve('index.docker.io')).authorization()).toEqual({ username: 'hub', password: 'pw:with:colons' });
    expect(await (await k.resolve('reg.example:5000')).authorization()).toEqual({ username: 'u', password: 'p' });
    expect(await (await k.resolve('tok.example')).authorization()).toEqual({ identityToken: 'refresh' });
    expect(await k.resolve('other.example')).toBe(ANONYMOUS);
    expect(await dockerKeychain({ configDir: join(dir, 'missing') }).resolve('x')).toBe(ANONYMOUS);
  });

  it('runs credential helpers from PATH with the server on stdin, and credsStore as the fallback', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const helper = (name: string, body: string): Promise<void> =>
      writeFile(join(bin, `docker-credential-${name}`), `#!/usr/bin/env node\nlet s='';process.stdin.on('data',d=>s+=d).on('end',()=>{${body}});\n`).then(() => chmod(join(bin, `docker-credential-${name}`), 0o755));
    await helper('fake', `if(process.argv[2]!=='get')process.exit(2);process.stdout.write(JSON.stringify({ServerURL:s,Username:'helper-user',Secret:'helper-secret-for-'+s}))`);
    await helper('store', `if(s==='nothing.example'){process.stdout.write('credentials not found in native keychain');process.exit(1)}process.stdout.write(JSON.stringify({ServerURL:s,Username:'<token>',Secret:'idtok'}))`);
    const d = await config('helpers', { credsStore: 'store', credHelpers: { 'gcr.example': 'fake' }, auths: { 'nothing.example': { username: 'ignored', password: 'x' } } });
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    try {
      const k = dockerKeychain({ configDir: d });
      const a = await k.resolve('gcr.example');
      expect(a.source).toBe('credHelper fake');
      expect(await a.authorization()).toEqual({ username: 'helper-user', password: 'helper-secret-for-gcr.example' });
      const b = await k.resolve('any.example');
      expect(b.source).toBe('credsStore store');
      expect(await b.authorization()).toEqual({ identityToken: 'idtok' });
      expect(await k.resolve('nothing.example')).toBe(ANONYMOUS);
      const missing = dockerKeychain({ configDir: await config('nohelper', { credHelpers: { 'x.example': 'absent' } }) });
      await expect(missing.resolve('x.example')).rejects.toThrow('credential helper docker-credential-absent not found on PATH');
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('sends helper credentials to the registry and never logs them', async () => {
    const bin = join(dir, 'bin2');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'docker-credential-reg'), `#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify({Username:'alice',Secret:'s3cret'}))\n`);
    await chmod(join(bin, 'docker-credential-reg'), 0o755);
    const f = await fake((req, res) => {
      if (req.headers.authorization !== 'Basic ' + Buffer.from('alice:s3cret').toString('base64')) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      if (req.url === '/v2/') return void res.writeHead(200).end();
      serveManifest(res, req.method ?? 'GET');
    });
    const d = await config('regcfg', { credHelpers: { [f.host]: 'reg' } });
    const lines: string[] = [];
    const log = { debug: (m: string, x?: Record<string, unknown>) => lines.push(m + JSON.stringify(x ?? {})), info: () => undefined, warn: () => undefined, error: () => undefined };
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    try {
      const c = createRegistryClient({ log, retry: FAST, dockerConfigDir: d });
      expect(await c.resolve(ref(`${f.host}/a/b:v1`))).toBe(MANIFEST_DIGEST);
    } finally {
      process.env.PATH = oldPath;
    }
    expect(lines.join('\n')).toContain('using credentials from credHelper reg');
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  it('uses Google ADC only for Google registries and only when nothing else applies', async () => {
    let loads = 0;
    const g = googleKeychain({ tokenSource: () => { loads++; return async () => 'ya29.token'; } });
    expect(await g.resolve('registry.example')).toBe(ANONYMOUS);
    expect(loads).toBe(0);
    for (const host of ['gcr.io', 'eu.gcr.io', 'europe-west1-docker.pkg.dev', 'us.pkg.dev']) {
      expect(await (await g.resolve(host)).authorization()).toEqual({ username: 'oauth2accesstoken', password: 'ya29.token' });
    }
    expect(loads).toBe(1);
    const first = staticKeychain({ 'gcr.io': { username: 'docker', password: 'cfg' } });
    expect(await (await multiKeychain(first, g).resolve('gcr.io')).authorization()).toEqual({ username: 'docker', password: 'cfg' });
    const failing = googleKeychain({ tokenSource: () => async () => { throw new Error('no ADC'); } });
    expect(await failing.resolve('gcr.io')).toBe(ANONYMOUS);
  });

  it('loads the real google-auth-library lazily and falls back to anonymous without ADC', async () => {
    const saved = { home: process.env.HOME, gac: process.env.GOOGLE_APPLICATION_CREDENTIALS, cfg: process.env.CLOUDSDK_CONFIG };
    process.env.HOME = dir;
    process.env.CLOUDSDK_CONFIG = join(dir, 'gcloud');
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    try {
      const t0 = Date.now();
      expect(await googleKeychain().resolve('europe-docker.pkg.dev')).toBe(ANONYMOUS);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      process.env.HOME = saved.home;
      if (saved.gac !== undefined) process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.gac;
      if (saved.cfg !== undefined) process.env.CLOUDSDK_CONFIG = saved.cfg;
      else delete process.env.CLOUDSDK_CONFIG;
    }
  });
});

describe('pieces', () => {
  it('resolves for a copy by GET except on Docker Hub, whose pull limit counts GETs and not HEADs', () => {
    expect(getCostsMoreThanHead(parseReference('nginx:1.25').registry)).toBe(true);
    expect(getCostsMoreThanHead(parseReference('docker.io/library/nginx:1.25').registry)).toBe(true);
    expect(getCostsMoreThanHead('registry-1.docker.io')).toBe(true);
    expect(getCostsMoreThanHead('ghcr.io')).toBe(false);
    expect(getCostsMoreThanHead('127.0.0.1:5000')).toBe(false);
  });

  it('parses challenges and merges scopes', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push repository:c:pull"')).toEqual({
      scheme: 'bearer', realm: 'https://auth.example/token', service: 'registry.example', scopes: ['repository:a/b:pull,push', 'repository:c:pull'],
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', realm: 'Registry Realm' });
    expect(parseChallenge(null)).toEqual({ scheme: 'none' });
    expect(mergeScopes(['repository:a:pull'], ['repository:a:push', 'repository:b:pull'])).toEqual(['repository:a:pull,push', 'repository:b:pull']);
  });

  it('writes and reads ustar deterministically; the mappings image is reproducible', () => {
    const files = [{ name: 'reimage-mapping.json', data: Buffer.from('{"x":1}') }, { name: 'b', data: Buffer.alloc(700, 1) }];
    const t = writeTar(files);
    expect(t.length % 512).toBe(0);
    expect(writeTar(files).equals(t)).toBe(true);
    expect(readTar(t)).toEqual(files);
    const a = buildMappingsImage('{"x":1}');
    expect(buildMappingsImage('{"x":1}').digest).toBe(a.digest);
    const cfg = JSON.parse(a.config.toString()) as { rootfs: { diff_ids: string[] }; config: unknown };
    expect(cfg.rootfs.diff_ids).toEqual([sha(gunzipSync(a.layer))]);
    expect(cfg.config).toEqual({});
    expect(readTar(gunzipSync(a.layer))[0]?.data.toString()).toBe('{"x":1}');
  });
});

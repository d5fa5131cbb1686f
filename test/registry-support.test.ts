import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { match, startFaultProxy } from './support/fault-proxy';
import { inspectRaw, pushTestImage, skopeoCopy } from './support/images';
import { startRegistry, writeDockerConfig, type TestRegistry } from './support/registry';
import { makeTempDir } from './support/tmp';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Parses `Bearer realm="...",service="...",scope="..."`. */
function parseChallenge(h: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  const re = /(\w+)="([^"]*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(h)) !== null) out[m[1] ?? ''] = m[2] ?? '';
  out.scheme = h.split(' ')[0] ?? '';
  return out;
}

describe('startRegistry', () => {
  let plain: TestRegistry;
  beforeAll(async () => {
    plain = await startRegistry();
  });

  it('answers /v2/ and logs requests to the access log', async () => {
    expect(plain.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const res = await fetch(`${plain.url}/v2/`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await plain.requestCount({ method: 'GET', path: '/v2/' })).toBeGreaterThanOrEqual(1);
    expect(plain.logs()).toContain('listening on');
  });

  it('pushes a 2-platform OCI index that is inspectable and served with all Accept types', async () => {
    await plain.resetAccessLog();
    const img = await pushTestImage(plain, 'team/app', 'v1', { platforms: 2, layerBytes: 4096 });
    expect(img.ref).toBe(`${plain.host}/team/app:v1`);
    expect(img.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(img.children.map((c) => c.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    // 2 layers + 2 configs
    expect(await plain.blobUploadCount('team/app')).toBe(4);
    const raw = await inspectRaw(plain, 'team/app:v1');
    expect(raw.digest).toBe(img.digest);
    const res = await fetch(`${plain.url}/v2/team/app/manifests/v1`, { headers: { accept: ACCEPT } });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('docker-content-digest')).toBe(img.digest);
    expect(sha256(body)).toBe(img.digest);
    // same seed and shape => same digest (deterministic build), and no new blob uploads when present
    await plain.resetAccessLog();
    const again = await pushTestImage(plain, 'team/app', 'v1-copy', { platforms: 2, layerBytes: 4096, seed: 'team/app:v1' });
    expect(again.digest).toBe(img.digest);
    expect(await plain.blobUploadCount()).toBe(0);
  });

  it('pushes single-platform OCI and Docker v2s2 images', async () => {
    const oci = await pushTestImage(plain, 'single/oci', 'v1', { platforms: 1 });
    expect(oci.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(oci.children).toEqual([]);
    const v2 = await pushTestImage(plain, 'single/docker', 'v1', { platforms: 1, format: 'v2s2' });
    expect(v2.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const list = await pushTestImage(plain, 'multi/docker', 'v1', { platforms: 2, format: 'v2s2' });
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(list.children).toHaveLength(2);
    const head = await fetch(`${plain.url}/v2/multi/docker/manifests/v1`, { method: 'HEAD', headers: { accept: ACCEPT } });
    expect(head.headers.get('docker-content-digest')).toBe(list.digest);
  });

  it('copies with skopeo between registries keeping the index digest', async () => {
    const other = await startRegistry();
    const img = await pushTestImage(plain, 'copy/src', 'v1');
    const digest = await skopeoCopy({ reg: plain, ref: 'copy/src:v1' }, { reg: other, ref: 'copy/dst:v1' });
    expect(digest).toBe(img.digest);
    expect((await inspectRaw(other, 'copy/dst:v1')).digest).toBe(img.digest);
    await other.stop();
    await other.stop(); // idempotent
  });

  it('fails clearly when the registry cannot start', async () => {
    const dir = await makeTempDir();
    const bad = startRegistry({
      storageDir: dir,
      startTimeoutMs: 5000,
      configOverride: (c) => {
        c.http = { addr: '127.0.0.1:notaport' };
      },
    });
    await expect(bad).rejects.toThrow(/docker-registry did not start \(exited[\s\S]*stderr tail/);
  });
});

describe('auth', () => {
  it('htpasswd: 401 without credentials, 200 with Basic', async () => {
    const reg = await startRegistry({ auth: 'htpasswd' });
    const anon = await fetch(`${reg.url}/v2/`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic /);
    const ok = await fetch(`${reg.url}/v2/`, { headers: { authorization: reg.basicAuthHeader() ?? '' } });
    expect(ok.status).toBe(200);
    const img = await pushTestImage(reg, 'secure/app', 'v1', { platforms: 1 });
    expect((await inspectRaw(reg, img.ref)).digest).toBe(img.digest);
    const cfgDir = await writeDockerConfig([reg]);
    expect(existsSync(`${cfgDir}/config.json`)).toBe(true);
  });

  it('token: the registry accepts tokens from the local token server, counted per scope', async () => {
    const reg = await startRegistry({ auth: 'token' });
    const ts = reg.tokenServer;
    if (!ts) throw new Error('no token server');
    const anon = await fetch(`${reg.url}/v2/`);
    expect(anon.status).toBe(401);
    const ch = parseChallenge(anon.headers.get('www-authenticate'));
    expect(ch.scheme).toBe('Bearer');
    expect(ch.realm).toBe(ts.realm);
    expect(ch.service).toBe(ts.service);

    // push with skopeo (it does the token dance itself)
    const img = await pushTestImage(reg, 'tok/app', 'v1');
    ts.reset();

    // the dance by hand
    const m = await fetch(`${reg.url}/v2/tok/app/manifests/v1`, { headers: { accept: ACCEPT } });
    expect(m.status).toBe(401);
    const mc = parseChallenge(m.headers.get('www-authenticate'));
    expect(mc.scope).toBe('repository:tok/app:pull');
    const realm = new URL(mc.realm ?? '');
    realm.searchParams.set('service', mc.service ?? '');
    realm.searchParams.set('scope', mc.scope ?? '');
    const denied = await fetch(realm, { headers: { authorization: `Basic ${Buffer.from(`${reg.username}:wrong`).toString('base64')}` } });
    expect(denied.status).toBe(401);
    const tr = await fetch(realm, { headers: { authorization: reg.basicAuthHeader() ?? '' } });
    expect(tr.status).toBe(200);
    const tok = (await tr.json()) as { token: string; access_token: string; expires_in: number };
    expect(tok.access_token).toBe(tok.token);
    expect(tok.expires_in).toBe(300);
    const authed = await fetch(`${reg.url}/v2/tok/app/manifests/v1`, { headers: { accept: ACCEPT, authorization: `Bearer ${tok.token}` } });
    expect(authed.status).toBe(200);
    expect(authed.headers.get('docker-content-digest')).toBe(img.digest);
    await authed.arrayBuffer();
    // a pull token does not allow push
    const post = await fetch(`${reg.url}/v2/tok/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${tok.token}` } });
    expect(post.status).toBe(401);

    expect(ts.tokenCount('repository:tok/app:pull')).toBe(1);
    expect(ts.maxPerScope()).toBe(1);
    expect(ts.requests.map((r) => r.status)).toEqual([401, 200]);
  });
});

describe('tls', () => {
  it('serves https with the test CA; this process and children trust it', async () => {
    const reg = await startRegistry({ tls: true, auth: 'htpasswd' });
    expect(reg.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(reg.caFile).toBeDefined();
    const res = await fetch(`${reg.url}/v2/`, { headers: { authorization: reg.basicAuthHeader() ?? '' } });
    expect(res.status).toBe(200);
    const img = await pushTestImage(reg, 'tls/app', 'v1', { platforms: 1 });
    expect((await inspectRaw(reg, 'tls/app:v1')).digest).toBe(img.digest);

    const env = reg.childEnv();
    expect(env.NODE_EXTRA_CA_CERTS).toBe(reg.caFile);
    const script = `fetch(${JSON.stringify(`${reg.url}/v2/`)}).then(r => console.log(r.status), e => { console.log('ERR ' + (e.cause ? e.cause.code : e.message)); })`;
    const run = (e: NodeJS.ProcessEnv): Promise<string> =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, ['-e', script], { env: e }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
      });
    expect(await run(env)).toBe('401');
    const noCa: NodeJS.ProcessEnv = { ...process.env };
    delete noCa.NODE_EXTRA_CA_CERTS;
    expect(await run(noCa)).toMatch(/^ERR /);
  });
});

describe('fault proxy', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    await pushTestImage(reg, 'fp/app', 'v1', { platforms: 1, layerBytes: 10_000 });
  });

  it('injects a 503 once, then passes through', async () => {
    const proxy = await startFaultProxy(reg.host, [{ match: match({ method: 'GET', path: '/v2/' }), fault: { status: 503 } }]);
    const first = await fetch(`${proxy.url}/v2/`);
    expect(first.status).toBe(503);
    expect(((await first.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('UNAVAILABLE');
    const second = await fetch(`${proxy.url}/v2/`, { headers: { authorization: 'Bearer x' } });
    expect(second.status).toBe(200);
    await second.arrayBuffer();
    expect(proxy.requests.map((r) => [r.method, r.path, r.status, r.hadAuthorization, r.fault])).toEqual([
      ['GET', '/v2/', 503, false, 'status 503'],
      ['GET', '/v2/', 200, true, undefined],
    ]);
    expect(JSON.stringify(proxy.requests)).not.toContain('Bearer');
    expect(proxy.pendingFaults()).toBe(0);
  });

  it('429 with Retry-After, skip, and Location rewriting for uploads', async () => {
    const proxy = await startFaultProxy(reg.host, [
      { match: match({ method: 'HEAD', path: /\/manifests\// }), skip: 1, times: 2, fault: { status: 429, retryAfter: 1 } },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { method: 'HEAD', headers: { accept: ACCEPT } });
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(statuses).toEqual([200, 429, 429, 200]);
    const post = await fetch(`${proxy.url}/v2/fp/up/blobs/uploads/`, { method: 'POST' });
    expect(post.status).toBe(202);
    const loc = post.headers.get('location') ?? '';
    expect(loc.startsWith(`http://${proxy.host}/v2/fp/up/blobs/uploads/`)).toBe(true);
    // complete a monolithic upload through the rewritten URL
    const data = Buffer.from('hello through the proxy');
    const put = new URL(loc);
    put.searchParams.set('digest', sha256(data));
    const done = await fetch(put, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
    expect(done.status).toBe(201);
    expect(await reg.blobUploadCount('fp/up')).toBe(1);
  });

  it('truncates, corrupts and resets', async () => {
    const raw = JSON.parse((await inspectRaw(reg, 'fp/app:v1')).raw) as { layers: Array<{ digest: string; size: number }> };
    const layer = raw.layers[0];
    if (!layer) throw new Error('no layer');
    const blobPath = `/v2/fp/app/blobs/${layer.digest}`;
    const proxy = await startFaultProxy(reg.host, [
      { match: match({ path: blobPath }), fault: { truncate: 100 } },
      { match: match({ path: blobPath }), fault: { corrupt: true } },
      { match: match({ path: blobPath }), fault: { reset: 'mid-body' } },
      { match: match({ path: blobPath }), fault: { reset: 'before-response' } },
      { match: match({ path: blobPath }), fault: { delayMs: 50 } },
    ]);
    const t = Buffer.from(await (await fetch(`${proxy.url}${blobPath}`)).arrayBuffer());
    expect(t.length).toBe(100);
    const c = Buffer.from(await (await fetch(`${proxy.url}${blobPath}`)).arrayBuffer());
    expect(c.length).toBe(layer.size);
    expect(sha256(c)).not.toBe(layer.digest);
    await expect(fetch(`${proxy.url}${blobPath}`).then((r) => r.arrayBuffer())).rejects.toThrow();
    await expect(fetch(`${proxy.url}${blobPath}`)).rejects.toThrow();
    const ok = Buffer.from(await (await fetch(`${proxy.url}${blobPath}`)).arrayBuffer());
    expect(sha256(ok)).toBe(layer.digest);
    const plainOk = Buffer.from(await (await fetch(`${proxy.url}${blobPath}`)).arrayBuffer());
    expect(sha256(plainOk)).toBe(layer.digest);
    expect(proxy.requests.map((r) => r.fault)).toEqual(['truncate 100', 'corrupt', 'reset mid-body', 'reset before-response', 'delay 50', undefined]);
    expect(proxy.count({ method: 'GET', status: 200 })).toBe(5);
  });
});

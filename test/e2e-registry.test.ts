/**
 * End-to-end against real registries (Debian docker-registry on 127.0.0.1): existence checks, digest pinning,
 * rename + copy of multi-arch indexes, no-clobber, the mappings image, through the filter mode and kpt.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectRaw, pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { startRegistry, writeDockerConfig } from './support/registry';
import type { TestRegistry } from './support/registry';
import { CLI, KPT, run, runCli } from './support/cli';
import { match, startFaultProxy } from './support/fault-proxy';
import { deployments } from './support/manifests';

const TEMPLATE = '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}';

let src: TestRegistry;
let dst: TestRegistry;
let app: PushedImage; // 2-platform OCI index
let tool: PushedImage; // single-platform Docker v2 manifest
let tmp: string;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  [app, tool] = await Promise.all([
    pushTestImage(src, 'team/app', '1.0', { platforms: 2, layerBytes: 64 * 1024, layers: 2 }),
    pushTestImage(src, 'team/tool', '2.0', { platforms: 1, format: 'v2s2' }),
  ]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-e2e-reg-'));
}, 120_000);
afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const manifest = deployments;

const hex = (digest: string): string => digest.slice('sha256:'.length);
const renameArgs = (repoPrefix: string): string[] => ['-rename-remote-path', `${dst.host}/${repoPrefix}`, '-rename-template', TEMPLATE];

describe('rename and copy', () => {
  test('copies a 2-platform index whole, with its digest unchanged, and rewrites the manifest', async () => {
    const r = await runCli(renameArgs('mirror'), manifest([app.ref, tool.ref, app.ref]));
    expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
    expect(r.code).toBe(0);
    const appTarget = `${dst.host}/mirror/team/app:${hex(app.digest)}`;
    const toolTarget = `${dst.host}/mirror/team/tool:${hex(tool.digest)}`;
    expect(r.stdout).toContain(`image: ${appTarget} # keep me`);
    expect(r.stdout).toContain(`image: ${toolTarget} # keep me`);

    const copied = await inspectRaw(dst, appTarget);
    expect(copied.digest).toBe(app.digest);
    expect(copied.raw).toBe(app.raw);
    const platforms = (JSON.parse(copied.raw) as { manifests: Array<{ digest: string; platform: { architecture: string } }> }).manifests;
    expect(platforms.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    for (const child of app.children) expect((await inspectRaw(dst, `${dst.host}/mirror/team/app@${child.digest}`)).digest).toBe(child.digest);
    expect((await inspectRaw(dst, toolTarget)).digest).toBe(tool.digest);
  });

  test('a second run uploads no blob and copies nothing', async () => {
    await runCli(renameArgs('again'), manifest([app.ref]));
    await dst.resetAccessLog();
    const r = await runCli(renameArgs('again'), manifest([app.ref]));
    expect(r.code).toBe(0);
    expect(await dst.blobUploadCount()).toBe(0);
    expect(await dst.requestCount({ method: 'PUT' })).toBe(0);
  });

  test('each manifest is requested once: the source tag by one GET kept for the copy, the target index by one HEAD', async () => {
    const counts = async (reg: TestRegistry): Promise<Record<string, number>> => {
      await reg.settleLogs();
      const out: Record<string, number> = {};
      for (const e of reg.accessLog()) {
        const m = /\/manifests\/(.+)$/.exec(e.path);
        const k = m && `${e.method} ${m[1]?.startsWith('sha256:') ? 'digest' : 'tag'}`;
        if (k) out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    await Promise.all([src.resetAccessLog(), dst.resetAccessLog()]);
    expect((await runCli(renameArgs('once'), manifest([app.ref]))).code).toBe(0);
    // Source: the tag once (GET, no HEAD), each of the 2 children once.
    expect(await counts(src)).toEqual({ 'GET tag': 1, 'GET digest': 2 });
    // Target: HEAD of the tag (absent), HEAD of the index by digest (absent), no HEAD per child; 3 PUTs.
    expect(await counts(dst)).toEqual({ 'HEAD tag': 1, 'HEAD digest': 1, 'PUT digest': 2, 'PUT tag': 1 });

    await Promise.all([src.resetAccessLog(), dst.resetAccessLog()]);
    expect((await runCli(renameArgs('once'), manifest([app.ref]))).code).toBe(0);
    expect(await counts(src)).toEqual({ 'GET tag': 1 });
    expect(await counts(dst)).toEqual({ 'HEAD tag': 1 });

    // No copy planned (-dryrun): the source is resolved by HEAD, its body is not read.
    await src.resetAccessLog();
    expect((await runCli([...renameArgs('once-dry'), '-dryrun'], manifest([app.ref]))).code).toBe(0);
    expect(await counts(src)).toEqual({ 'HEAD tag': 1 });
  });

  test('-rename-force-digest pins the target to the source digest', async () => {
    const r = await runCli([...renameArgs('pinned'), '-rename-force-digest'], manifest([tool.ref]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${dst.host}/pinned/team/tool@${tool.digest} # keep me`);
  });

  test('-dryrun and -no-copy rename without copying', async () => {
    for (const flag of ['-dryrun', '-no-copy']) {
      const prefix = `nocopy${flag.replace(/-/g, '')}`;
      const r = await runCli([...renameArgs(prefix), flag], manifest([tool.ref]));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${dst.host}/${prefix}/team/tool:${hex(tool.digest)}`);
      const head = await fetch(`${dst.url}/v2/${prefix}/team/tool/manifests/${hex(tool.digest)}`, { method: 'HEAD' });
      expect(head.status).toBe(404);
    }
  });

  test('a clobber is refused unless -clobber is given', async () => {
    const fixedTemplate = ['-rename-remote-path', `${dst.host}/fixed`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:stable'];
    await pushTestImage(dst, 'fixed/team/tool', 'stable', { platforms: 1, seed: 'something else' });
    const refused = await runCli(fixedTemplate, manifest([tool.ref]));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/apps\/v1\/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image: .*-clobber/);
    const allowed = await runCli([...fixedTemplate, '-clobber'], manifest([tool.ref]));
    expect(allowed.code).toBe(0);
    expect((await inspectRaw(dst, `${dst.host}/fixed/team/tool:stable`)).digest).toBe(tool.digest);
  });
});

describe('faults between reimage and the target registry', () => {
  test('transient 429, 503 and a connection reset are retried; the copy completes with the right digest', async () => {
    const proxy = await startFaultProxy(dst.host, [
      { match: match({ method: 'HEAD', path: /\/manifests\// }), times: 1, fault: { status: 429, retryAfter: 1 } },
      { match: match({ method: 'PUT', path: /\/blobs\/uploads\// }), times: 1, fault: { status: 503 } },
      { match: match({ method: 'PUT', path: /\/manifests\// }), times: 1, fault: { reset: 'before-response' } },
    ]);
    try {
      const out = path.join(tmp, 'faulty.json');
      const r = await runCli(['-rename-remote-path', `${proxy.host}/faulty`, '-rename-template', TEMPLATE, '-write-json-mappings-file', out], manifest([app.ref]));
      expect(r.stderr).not.toMatch(/reimage: error|\[error\]/);
      expect(r.code).toBe(0);
      expect(proxy.pendingFaults()).toBe(0); // every injected fault was hit, and survived
      expect((await inspectRaw(dst, `${dst.host}/faulty/team/app:${hex(app.digest)}`)).digest).toBe(app.digest);
      expect(fs.existsSync(out)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  test('a target that keeps failing fails the run cleanly and writes no mappings', async () => {
    const proxy = await startFaultProxy(dst.host, [{ match: match({ method: 'PUT' }), times: 1000, fault: { status: 503 } }]);
    try {
      const out = path.join(tmp, 'never.json');
      const r = await runCli(['-rename-remote-path', `${proxy.host}/broken`, '-rename-template', TEMPLATE, '-write-json-mappings-file', out], manifest([tool.ref]));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/apps\/v1\/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image: .*503/);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      await proxy.stop();
    }
  });
});

describe('existence checks', () => {
  test('without rename, existing images pass unchanged and a missing one fails with the registry message', async () => {
    const ok = await runCli([], manifest([app.ref, tool.digestRef]));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(manifest([app.ref, tool.digestRef]));

    const missing = `${src.host}/team/nope:1`;
    const bad = await runCli([], manifest([app.ref, missing]));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`apps/v1/Deployment/d1 spec.template.spec.containers[0].image: `);
    expect(bad.stderr).toContain(missing);
    expect(bad.stderr).toMatch(/manifest unknown|MANIFEST_UNKNOWN|NAME_UNKNOWN|not found/i);
  });

  test('a digest that does not exist fails even when pinned', async () => {
    const pinned = `${src.host}/team/app@sha256:${'a'.repeat(64)}`;
    const r = await runCli([], manifest([pinned]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(pinned);
  });
});

describe('mappings', () => {
  test('the mappings image round-trips and reproduces the same output', async () => {
    const mappingsImg = `${dst.host}/reimage/mappings:run1`;
    const input = manifest([app.ref, tool.ref]);
    const first = await runCli([...renameArgs('m'), '-write-json-mappings-img', mappingsImg, '-write-json-mappings-file', path.join(tmp, 'm.json')], input);
    expect(first.code).toBe(0);
    const second = await runCli(['-static-json-mappings-img', mappingsImg], input);
    expect(second.stderr).not.toMatch(/reimage: error/);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const written = JSON.parse(fs.readFileSync(path.join(tmp, 'm.json'), 'utf8')) as Record<string, { tag: string; digest: string }>;
    expect(written[app.ref]).toEqual({ tag: `${dst.host}/m/team/app:${hex(app.digest)}`, digest: app.digest });
  });

  test('verification fails when a mapped tag has moved', async () => {
    const file = path.join(tmp, 'stale.json');
    await pushTestImage(dst, 'moving/tool', 'v1', { platforms: 1, seed: 'moving-1' });
    fs.writeFileSync(file, JSON.stringify({ [tool.ref]: { tag: `${dst.host}/moving/tool:v1`, digest: tool.digest } }));
    const r = await runCli(['-static-json-mappings-file', file], manifest([tool.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`mapping for ${dst.host}/moving/tool:v1 has changed, was ${tool.digest}, is now sha256:`));
  });

  test('-mappings-only copies every image in the mappings and reads no YAML', async () => {
    const file = path.join(tmp, 'only.json');
    const target = `${dst.host}/only/team/app:${hex(app.digest)}`;
    fs.writeFileSync(file, JSON.stringify({ [app.ref]: { tag: target, digest: app.digest } }));
    const r = await runCli(['-mappings-only', '-static-json-mappings-file', file, '-verify-static-json-mappings=false']);
    expect(r.stderr).not.toMatch(/reimage: error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect((await inspectRaw(dst, target)).digest).toBe(app.digest);
  });
});

describe('auth', () => {
  test('htpasswd and TLS registries work through DOCKER_CONFIG and NODE_EXTRA_CA_CERTS', async () => {
    const secure = await startRegistry({ auth: 'htpasswd', tls: true });
    try {
      const img = await pushTestImage(secure, 'private/app', '1', { platforms: 2 });
      const configDir = await writeDockerConfig([secure], path.join(tmp, 'docker'));
      const env = secure.childEnv({ DOCKER_CONFIG: configDir });
      const r = await runCli(['-rename-remote-path', `${secure.host}/copy`, '-rename-template', TEMPLATE, '-rename-force-digest'], manifest([img.ref]), { env });
      expect(r.stderr).not.toMatch(/reimage: error|\[error\]/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${secure.host}/copy/private/app@${img.digest}`);
      expect(r.stderr).not.toContain(secure.password ?? 'no-password');
      const noCreds = await runCli([], manifest([img.ref]), { env: secure.childEnv({ DOCKER_CONFIG: path.join(tmp, 'empty') }) });
      expect(noCreds.code).toBe(1);
      expect(noCreds.stderr).toMatch(/401|unauthorized|UNAUTHORIZED/i);
    } finally {
      await secure.stop();
    }
  });

  test('bearer token registries get one token per scope', async () => {
    const tokenReg = await startRegistry({ auth: 'token' });
    try {
      const img = await pushTestImage(tokenReg, 'tok/app', '1', { platforms: 1 });
      const configDir = await writeDockerConfig([tokenReg], path.join(tmp, 'docker-token'));
      const tokens = tokenReg.tokenServer;
      if (!tokens) throw new Error('token registry without a token server');
      tokens.reset();
      const r = await runCli([], manifest([img.ref, img.ref, img.digestRef]), { env: { DOCKER_CONFIG: configDir } });
      expect(r.stderr).not.toMatch(/reimage: error|\[error\]/);
      expect(r.code).toBe(0);
      expect(tokens.tokenCount()).toBeGreaterThan(0);
      expect(tokens.maxPerScope()).toBe(1);

      // A copy's target: its HEAD already asks for pull,push, so no pull-only token is fetched for it.
      tokens.reset();
      const copy = await runCli(['-rename-remote-path', `${tokenReg.host}/copy`, '-rename-template', TEMPLATE], manifest([img.ref]), { env: { DOCKER_CONFIG: configDir } });
      expect(copy.code).toBe(0);
      expect(tokens.tokenCount('repository:copy/tok/app:pull')).toBe(0);
      // The source's pull, the target's pull,push, and the mount's pair of them (was 4 with a pull-only HEAD).
      expect(tokens.tokenCount()).toBe(3);
    } finally {
      await tokenReg.stop();
    }
  });
});

describe('kpt', () => {
  test('fn eval renames and copies through the real kpt', async () => {
    const dir = path.join(tmp, 'kpt-pkg');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'app.yaml'), manifest([app.ref]));
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `rename-remote-path=${dst.host}/kpt`, `rename-template=${TEMPLATE}`, 'rename-force-digest=true']);
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`image: ${dst.host}/kpt/team/app@${app.digest} # keep me`);
    expect((await inspectRaw(dst, `${dst.host}/kpt/team/app:${hex(app.digest)}`)).digest).toBe(app.digest);
  });

  test('a missing image is [FAIL] and the package is untouched', async () => {
    const dir = path.join(tmp, 'kpt-missing');
    fs.mkdirSync(dir, { recursive: true });
    const text = manifest([`${src.host}/team/absent:1`]);
    fs.writeFileSync(path.join(dir, 'app.yaml'), text);
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[FAIL]');
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(text);
  });
});

/**
 * Supply-chain features end to end against real registries (Debian docker-registry on 127.0.0.1), through the
 * CLI and kpt: -keep-tag, -platform, -allowed-registries, -verify-only, -write-kustomize-images (checked with the
 * real kustomize 4.5.4), -copy-referrers (cosign tags, the referrers tag, and the referrers API through a proxy),
 * -registry-mirror, and the RateLimit-Remaining log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cosignTag, getManifest, pushArtifact, pushReferrersTag } from './support/artifacts';
import type { Pushed } from './support/artifacts';
import { inspectRaw, pushTestImage, skopeoCopy } from './support/images';
import type { PushedImage } from './support/images';
import { startReferrersProxy } from './support/referrers-proxy';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';
import { CLI, KPT, KUSTOMIZE, run, runCli } from './support/cli';

let src: TestRegistry;
let dst: TestRegistry;
let app: PushedImage; // 2-platform OCI index
let tool: PushedImage; // single-platform (linux/amd64) Docker v2 manifest
let tmp: string;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  [app, tool] = await Promise.all([
    pushTestImage(src, 'team/app', '1.0', { platforms: 2 }),
    pushTestImage(src, 'team/tool', '2.0', { platforms: 1, format: 'v2s2' }),
  ]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-e2e-supply-'));
}, 120_000);
afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const deployment = (name: string, images: string[]): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n` +
  images.map((img, i) => `      - name: c${i}\n        image: ${img} # keep me\n`).join('');
const manifest = (images: string[]): string => images.map((img, i) => deployment(`d${i}`, [img])).join('---\n');
const imagesIn = (yaml: string): string[] => [...yaml.matchAll(/image: ([^\s#]+)/g)].map((m) => m[1] as string);
const hex = (digest: string): string => digest.slice('sha256:'.length);
const TAG_TEMPLATE = '{{ .RemotePath }}/{{ .Repository }}:{{ .Tag }}';
const noError = (stderr: string): void => expect(stderr).not.toMatch(/reimage: error|\[error\]/);

function kptPackage(name: string, text: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'app.yaml'), text);
  return dir;
}

describe('-keep-tag', () => {
  test('pin only: the name stays exactly as written, the digest is added; mappings keep the Go format', async () => {
    const out = path.join(tmp, 'keep.json');
    const r = await runCli(['-keep-tag', '-write-json-mappings-file', out], manifest([app.ref, tool.digestRef]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${app.ref}@${app.digest}`, tool.digestRef]);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual({
      [app.ref]: { tag: app.ref, digest: app.digest },
      [tool.digestRef]: { tag: tool.digestRef, digest: tool.digest },
    });
  });

  test('with a rename and -rename-force-digest: target:tag@sha256, the tag really at the target', async () => {
    const r = await runCli(['-rename-remote-path', `${dst.host}/keep`, '-rename-template', TAG_TEMPLATE, '-rename-force-digest', '-keep-tag'], manifest([app.ref]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${dst.host}/keep/team/app:1.0@${app.digest}`]);
    expect((await inspectRaw(dst, `${dst.host}/keep/team/app:1.0`)).digest).toBe(app.digest);
  });

  test('without -keep-tag the forced digest drops the tag (the Go behaviour)', async () => {
    const r = await runCli(['-rename-force-digest'], manifest([app.ref]));
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${src.host}/team/app@${app.digest}`]);
  });

  test('through kpt', async () => {
    const dir = kptPackage('kpt-keep', manifest([app.ref]));
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', 'keep-tag=true']);
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`image: ${app.ref}@${app.digest} # keep me`);
  });
});

describe('-platform', () => {
  const arm = (): string => (app.children.find((c) => c.platform === 'linux/arm64') as { digest: string }).digest;

  test('pins the platform manifest out of the index; mappings and output carry its digest', async () => {
    const out = path.join(tmp, 'platform.json');
    const r = await runCli(['-platform', 'linux/arm64', '-write-json-mappings-file', out], manifest([app.ref]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${src.host}/team/app@${arm()}`]);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))[app.ref]).toEqual({ tag: app.ref, digest: arm() });
  });

  test('copies only that platform manifest to the target', async () => {
    const r = await runCli(['-platform', 'linux/arm64', '-rename-remote-path', `${dst.host}/plat`, '-rename-template', TAG_TEMPLATE, '-keep-tag'], manifest([app.ref]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${dst.host}/plat/team/app:1.0@${arm()}`]);
    const copied = await inspectRaw(dst, `${dst.host}/plat/team/app:1.0`);
    expect(copied.digest).toBe(arm());
    expect(JSON.parse(copied.raw).manifests).toBeUndefined();
  });

  test('a single-platform image of that platform passes; a missing platform lists the ones there are', async () => {
    const ok = await runCli(['-platform', 'linux/amd64'], manifest([tool.ref]));
    noError(ok.stderr);
    expect(imagesIn(ok.stdout)).toEqual([`${src.host}/team/tool@${tool.digest}`]);

    const bad = await runCli(['-platform', 'linux/s390x'], manifest([app.ref, tool.ref]));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/apps\/v1\/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image: .*no linux\/s390x manifest in the index; it has linux\/amd64, linux\/arm64/);
    expect(bad.stderr).toMatch(/apps\/v1\/Deployment\/d1 .*linux\/amd64, not linux\/s390x/);
  });

  test('a malformed platform is a usage error (exit 2)', async () => {
    const r = await runCli(['-platform', 'linux'], manifest([app.ref]));
    expect([1, 2]).toContain(r.code); // 2 once flag errors get their own exit code
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('-platform');
  });

  test('through kpt', async () => {
    const dir = kptPackage('kpt-platform', manifest([app.ref]));
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', 'platform=linux/arm64']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`image: ${src.host}/team/app@${arm()} # keep me`);
  });
});

describe('-allowed-registries', () => {
  const allowDst = (): string => `^${dst.host.replace(/\./g, '\\.')}/ok/`;

  test('a final image in an allowed registry passes', async () => {
    const r = await runCli(['-rename-remote-path', `${dst.host}/ok`, '-rename-template', TAG_TEMPLATE, '-allowed-registries', allowDst()], manifest([tool.ref]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${dst.host}/ok/team/tool:2.0`]);
  });

  test('a disallowed final image fails, naming resource and field; nothing is copied, not even the allowed images', async () => {
    await dst.resetAccessLog();
    const allowApp = `^${dst.host.replace(/\./g, '\\.')}/elsewhere/team/app$`;
    const r = await runCli(['-rename-remote-path', `${dst.host}/elsewhere`, '-rename-template', TAG_TEMPLATE, '-allowed-registries', allowApp], manifest([app.ref, tool.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('[error]'));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^\\[error\\] apps/v1/Deployment/d1 spec\\.template\\.spec\\.containers\\[0\\]\\.image: .*registry ${dst.host}/elsewhere/team/tool is not allowed by -allowed-registries`))]);
    expect(await dst.requestCount({ method: 'PUT' })).toBe(0);
    expect(await dst.requestCount({ method: 'POST' })).toBe(0);
  });

  test('without a rename, the images as written are checked', async () => {
    const r = await runCli(['-allowed-registries', '^ghcr\\.io/'], manifest([tool.ref]));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`registry ${src.host}/team/tool is not allowed`);
  });

  test('through kpt: [FAIL] and the package untouched', async () => {
    const text = manifest([tool.ref]);
    const dir = kptPackage('kpt-allowed', text);
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', 'allowed-registries=^ghcr\\.io/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[FAIL]');
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(text);
  });
});

describe('-verify-only', () => {
  test('pinned, existing, allowed images pass: the input comes back byte for byte and nothing is written', async () => {
    const text = `# a comment\r\n${manifest([app.digestRef, `${tool.ref}@${tool.digest}`]).replace(/\n/g, '\r\n')}`;
    await src.resetAccessLog();
    const r = await runCli(['-verify-only', '-allowed-registries', `^${src.host.replace(/\./g, '\\.')}/team/`], text);
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(text);
    // One HEAD per distinct image, no GET of any manifest, no write.
    expect(await src.requestCount({ method: 'HEAD', path: /\/manifests\// })).toBe(2);
    expect(await src.requestCount({ method: 'GET', path: /\/manifests\// })).toBe(0);
    expect(await src.requestCount({ method: 'PUT' })).toBe(0);
  });

  test('unpinned, missing and disallowed images fail: one error per field, naming resource, field and rule', async () => {
    const missing = `${src.host}/team/app@sha256:${'b'.repeat(64)}`;
    const input = `${deployment('web', [app.ref, missing])}---\n${deployment('api', [app.ref])}---\n${deployment('db', [`ghcr.io/x/db@${tool.digest}`])}`;
    const r = await runCli(['-verify-only', '-allowed-registries', `^${src.host.replace(/\./g, '\\.')}/`], input);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('[error]')).sort();
    expect(errors).toHaveLength(4);
    const field = (i: number): string => `spec\\.template\\.spec\\.containers\\[${i}\\]\\.image: `;
    expect(errors[0]).toMatch(new RegExp(`^\\[error\\] apps/v1/Deployment/api ${field(0)}.*not pinned by digest$`));
    // Two rules broken, one result.
    expect(errors[1]).toMatch(new RegExp(`^\\[error\\] apps/v1/Deployment/db ${field(0)}.*is not allowed by -allowed-registries.*; does not exist`));
    expect(errors[2]).toMatch(new RegExp(`^\\[error\\] apps/v1/Deployment/web ${field(0)}.*not pinned by digest$`));
    expect(errors[3]).toMatch(new RegExp(`^\\[error\\] apps/v1/Deployment/web ${field(1)}.*does not exist`));
  });

  test('with static mappings, a field must be exactly what reimage would have written', async () => {
    const file = path.join(tmp, 'verify-static.json');
    fs.writeFileSync(file, JSON.stringify({ 'team/app:1.0': { tag: app.ref, digest: app.digest } }));
    const settings = ['-verify-only', '-static-json-mappings-file', file, '-rename-force-digest'];
    const good = await runCli(settings, manifest([app.digestRef]));
    noError(good.stderr);
    expect(good.code).toBe(0);
    const keepTag = await runCli([...settings, '-keep-tag'], manifest([`${app.ref}@${app.digest}`]));
    expect(keepTag.code).toBe(0);
    const other = await runCli(settings, manifest([`${src.host}/team/tool@${tool.digest}`]));
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/\[error\] apps\/v1\/Deployment\/d0 .*not an image reimage writes from the static mappings/);
  });

  test('with -platform, a pin must name that platform\'s manifest, not the index', async () => {
    const arm = (app.children.find((c) => c.platform === 'linux/arm64') as { digest: string }).digest;
    const ok = await runCli(['-verify-only', '-platform', 'linux/arm64'], manifest([`${src.host}/team/app@${arm}`]));
    noError(ok.stderr);
    expect(ok.code).toBe(0);
    const bad = await runCli(['-verify-only', '-platform', 'linux/arm64'], manifest([app.digestRef]));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`pins ${app.digest}, not the linux/arm64 manifest ${arm}`);
  });

  test('it refuses flags that would write something', async () => {
    const r = await runCli(['-verify-only', '-write-json-mappings-file', path.join(tmp, 'x.json')], manifest([app.digestRef]));
    expect([1, 2]).toContain(r.code);
    expect(r.stderr).toContain('-verify-only changes nothing');
    expect(fs.existsSync(path.join(tmp, 'x.json'))).toBe(false);
  });

  test('through kpt: a pass leaves the files as they were; a violation is [FAIL] with the results', async () => {
    const good = manifest([app.digestRef]);
    const dir = kptPackage('kpt-verify', good);
    const ok = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', 'verify-only=true']);
    expect(ok.stderr).toContain('[PASS]');
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(good);

    const bad = manifest([app.ref]);
    const badDir = kptPackage('kpt-verify-bad', bad);
    const results = path.join(tmp, 'kpt-verify-results');
    const r = await run(KPT, ['fn', 'eval', badDir, '--exec', CLI, '--results-dir', results, '--', 'verify-only=true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[FAIL]');
    expect(r.stderr).toContain('not pinned by digest');
    expect(fs.readFileSync(path.join(badDir, 'app.yaml'), 'utf8')).toBe(bad);
  });

  test('KRM mode prints the ResourceList with one info result per verified field', async () => {
    const list = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ${deployment('web', [app.digestRef]).replace(/\n(?!$)/g, '\n  ')}`;
    const r = await runCli(['-verify-only'], list);
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(list)).toBe(true);
    expect(r.stdout).toMatch(/results:\n- message: "image .* verified"\n  severity: info/);
  });
});

describe('-write-kustomize-images', () => {
  async function kustomizeImagesOf(originals: string, images: string): Promise<string[]> {
    const dir = fs.mkdtempSync(path.join(tmp, 'kust-'));
    fs.writeFileSync(path.join(dir, 'in.yaml'), originals);
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), `resources:\n- in.yaml\n${images}`);
    const r = await run(KUSTOMIZE, ['build', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return imagesIn(r.stdout);
  }

  test.each([
    ['rename with tags', ['-rename-remote-path', '{dst}/kz', '-rename-template', TAG_TEMPLATE]],
    ['rename, forced digest', ['-rename-remote-path', '{dst}/kz', '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}', '-rename-force-digest']],
    ['rename, keep-tag', ['-rename-remote-path', '{dst}/kz', '-rename-template', TAG_TEMPLATE, '-keep-tag']],
    ['pin only, keep-tag', ['-keep-tag']],
    ['pin only, platform', ['-platform', 'linux/amd64']],
  ])('kustomize 4.5.4 with the list gives the same images as reimage (%s)', async (_name, flags) => {
    const file = path.join(tmp, `kz-${_name.replace(/\W+/g, '-')}.yaml`);
    // kustomize sorts resources by name: d1 before d2, as written.
    const input = `${deployment('d1', [app.ref, tool.ref])}---\n${deployment('d2', [app.ref])}`;
    const r = await runCli([...flags.map((f) => f.replace('{dst}', dst.host)), '-write-kustomize-images', file], input);
    noError(r.stderr);
    expect(r.code).toBe(0);
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toMatch(/^# .*\nimages:\n- name: /);
    expect(await kustomizeImagesOf(input, written)).toEqual(imagesIn(r.stdout));
    expect(imagesIn(r.stdout)).not.toEqual(imagesIn(input));
  });

  test('one name, images that map apart: cannot be expressed, so an error and no file', async () => {
    const other = await pushTestImage(src, 'team/app', '1.1', { platforms: 1, seed: 'app 1.1' });
    for (const images of [[app.ref, other.ref], [app.ref, app.digestRef]]) {
      const file = path.join(tmp, 'kz-conflict.yaml');
      const r = await runCli(['-keep-tag', '-write-kustomize-images', file], manifest(images));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('match by name only');
      expect(fs.existsSync(file)).toBe(false);
    }
    // With a rename the refusal comes before any copy: the target gets no upload and no repository.
    const renamed = path.join(tmp, 'kz-conflict-copy.yaml');
    const r0 = await runCli(['-rename-remote-path', `${dst.host}/kzc`, '-rename-template', TAG_TEMPLATE, '-keep-tag', '-write-kustomize-images', renamed], manifest([app.ref, other.ref]));
    expect(r0.code).toBe(1);
    expect(r0.stdout).toBe('');
    expect(r0.stderr).toContain('match by name only');
    expect(fs.existsSync(renamed)).toBe(false);
    expect(fs.existsSync(path.join(dst.storageDir, 'docker/registry/v2/repositories/kzc'))).toBe(false);
    // Both forms pinned to one digest without the tag: one entry serves both.
    const file = path.join(tmp, 'kz-shared.yaml');
    const input = manifest([app.ref, app.digestRef]);
    const r = await runCli(['-rename-force-digest', '-write-kustomize-images', file], input);
    expect(r.code).toBe(0);
    expect(await kustomizeImagesOf(input, fs.readFileSync(file, 'utf8'))).toEqual(imagesIn(r.stdout));
  });

  test('through kpt', async () => {
    const dir = kptPackage('kpt-kustomize', manifest([app.ref]));
    const file = path.join(tmp, 'kz-kpt.yaml');
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', 'keep-tag=true', `write-kustomize-images=${file}`]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain(`- name: "${src.host}/team/app"\n  newTag: "1.0"\n  digest: "${app.digest}"\n`);
  });
});

describe('-copy-referrers', () => {
  let signed: PushedImage;
  let sig: Pushed; // cosign .sig on the index
  let att: Pushed; // cosign .att on the amd64 manifest
  let sbom: Pushed; // OCI referrer of the index, listed in the referrers tag
  let sbomSig: Pushed; // OCI referrer of the SBOM (recursion)
  let indexDesc: { digest: string; size: number; mediaType: string };

  beforeAll(async () => {
    signed = await pushTestImage(src, 'signed/app', '1', { platforms: 2, seed: 'signed' });
    indexDesc = { digest: signed.digest, size: Buffer.byteLength(signed.raw), mediaType: signed.mediaType };
    const amd = (signed.children.find((c) => c.platform === 'linux/amd64') as { digest: string }).digest;
    sig = await pushArtifact(src, 'signed/app', { artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json', payload: 'sig of index', tag: cosignTag(signed.digest, '.sig') });
    att = await pushArtifact(src, 'signed/app', { artifactType: 'application/vnd.dsse.envelope.v1+json', payload: 'att of amd64', tag: cosignTag(amd, '.att') });
    sbom = await pushArtifact(src, 'signed/app', { subject: indexDesc, artifactType: 'application/spdx+json', payload: '{"spdx":1}', annotations: { 'org.example.kind': 'sbom' } });
    await pushReferrersTag(src, 'signed/app', signed.digest, [sbom]);
    sbomSig = await pushArtifact(src, 'signed/app', { subject: sbom, artifactType: 'application/vnd.example.signature.v1', payload: 'sig of sbom' });
    await pushReferrersTag(src, 'signed/app', sbom.digest, [sbomSig]);
  }, 60_000);

  const renameTo = (reg: { host: string }, prefix: string): string[] => ['-rename-remote-path', `${reg.host}/${prefix}`, '-rename-template', TAG_TEMPLATE];

  test('cosign tags and the referrers tag travel, recursively, with digests unchanged (no referrers API)', async () => {
    const r = await runCli([...renameTo(dst, 'ref'), '-copy-referrers'], manifest([signed.ref]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    const repo = 'ref/signed/app';
    expect((await getManifest(dst, repo, cosignTag(signed.digest, '.sig'))).digest).toBe(sig.digest);
    const amd = (signed.children.find((c) => c.platform === 'linux/amd64') as { digest: string }).digest;
    expect((await getManifest(dst, repo, cosignTag(amd, '.att'))).digest).toBe(att.digest);
    const srcTag = await getManifest(src, 'signed/app', signed.digest.replace(':', '-'));
    const dstTag = await getManifest(dst, repo, signed.digest.replace(':', '-'));
    expect(dstTag.digest).toBe(srcTag.digest);
    expect(dstTag.body?.manifests?.map((m) => m.digest)).toEqual([sbom.digest]);
    expect((await getManifest(dst, repo, sbom.digest)).body?.subject?.digest).toBe(signed.digest);
    expect((await getManifest(dst, repo, sbom.digest.replace(':', '-'))).body?.manifests?.map((m) => m.digest)).toEqual([sbomSig.digest]);
    expect((await getManifest(dst, repo, sbomSig.digest)).digest).toBe(sbomSig.digest);
  });

  test('without the flag, none of them is copied', async () => {
    const r = await runCli(renameTo(dst, 'plain'), manifest([signed.ref]));
    expect(r.code).toBe(0);
    expect((await getManifest(dst, 'plain/signed/app', cosignTag(signed.digest, '.sig'))).status).toBe(404);
    expect((await getManifest(dst, 'plain/signed/app', signed.digest.replace(':', '-'))).status).toBe(404);
  });

  test('a second run, with the image already there, still brings referrers added since', async () => {
    const late = await pushArtifact(src, 'signed/app', { artifactType: 'application/vnd.example.vex', payload: 'late', tag: cosignTag(signed.digest, '.sbom') });
    try {
      const r = await runCli([...renameTo(dst, 'ref'), '-copy-referrers'], manifest([signed.ref]));
      expect(r.code).toBe(0);
      expect((await getManifest(dst, 'ref/signed/app', cosignTag(signed.digest, '.sbom'))).digest).toBe(late.digest);
    } finally {
      await fetch(`${src.url}/v2/signed/app/manifests/${late.digest}`, { method: 'DELETE' });
    }
  });

  test('from a source with the referrers API (no tag there): the target without it gets a referrers tag', async () => {
    const apiReg = await startRegistry();
    const proxy = await startReferrersProxy(apiReg);
    try {
      const img = await pushTestImage(apiReg, 'api/app', '1', { platforms: 1, seed: 'api' });
      const subject = { digest: img.digest, size: Buffer.byteLength(img.raw), mediaType: img.mediaType };
      const s1 = await pushArtifact(proxy, 'api/app', { subject, artifactType: 'application/vnd.example.signature.v1', payload: 'api sig', annotations: { 'org.example.signer': 'ci' } });
      const s2 = await pushArtifact(proxy, 'api/app', { subject: s1, artifactType: 'application/vnd.example.countersign.v1', payload: 'countersign' });
      // The proxy answers from the registry's content, in the spec's shape.
      const listed = await (await fetch(`${proxy.url}/v2/api/app/referrers/${img.digest}`)).json() as { manifests: Array<Record<string, unknown>> };
      expect(listed.manifests).toEqual([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: s1.digest, size: s1.size, artifactType: s1.artifactType, annotations: { 'org.example.signer': 'ci' } }]);

      const r = await runCli(['-rename-remote-path', `${dst.host}/fromapi`, '-rename-template', TAG_TEMPLATE, '-copy-referrers'], manifest([`${proxy.host}/api/app:1`]));
      noError(r.stderr);
      expect(r.code).toBe(0);
      expect(proxy.referrersRequests()).toBeGreaterThanOrEqual(2);
      const tagIndex = await getManifest(dst, 'fromapi/api/app', img.digest.replace(':', '-'));
      expect(tagIndex.body?.manifests).toEqual([expect.objectContaining({ digest: s1.digest, artifactType: s1.artifactType })]);
      expect((await getManifest(dst, 'fromapi/api/app', s1.digest.replace(':', '-'))).body?.manifests?.map((m) => m.digest)).toEqual([s2.digest]);

      // A target with the API needs no tag: the referrers are pushed by digest and its API lists them.
      const apiDst = await startReferrersProxy(dst);
      try {
        const r2 = await runCli(['-rename-remote-path', `${apiDst.host}/toapi`, '-rename-template', TAG_TEMPLATE, '-copy-referrers'], manifest([`${proxy.host}/api/app:1`]));
        noError(r2.stderr);
        expect(r2.code).toBe(0);
        expect((await getManifest(dst, 'toapi/api/app', img.digest.replace(':', '-'))).status).toBe(404);
        const viaApi = await (await fetch(`${apiDst.url}/v2/toapi/api/app/referrers/${img.digest}`)).json() as { manifests: Array<{ digest: string }> };
        expect(viaApi.manifests.map((m) => m.digest)).toEqual([s1.digest]);
      } finally {
        await apiDst.stop();
      }
    } finally {
      await proxy.stop();
      await apiReg.stop();
    }
  }, 60_000);

  test('through kpt', async () => {
    const dir = kptPackage('kpt-referrers', manifest([signed.ref]));
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `rename-remote-path=${dst.host}/kptref`, `rename-template=${TAG_TEMPLATE}`, 'copy-referrers=true']);
    expect(r.code).toBe(0);
    expect((await getManifest(dst, 'kptref/signed/app', cosignTag(signed.digest, '.sig'))).digest).toBe(sig.digest);
    expect((await getManifest(dst, 'kptref/signed/app', signed.digest.replace(':', '-'))).body?.manifests?.map((m) => m.digest)).toEqual([sbom.digest]);
  });
});

describe('-registry-mirror', () => {
  let mirror: TestRegistry;
  beforeAll(async () => {
    mirror = await startRegistry();
    await skopeoCopy({ reg: src, ref: app.ref }, { reg: mirror, ref: `${mirror.host}/cache/team/app:1.0` });
  }, 60_000);
  afterAll(async () => mirror?.stop());

  test('content comes from the mirror, names stay canonical, the registry only answers HEADs', async () => {
    await Promise.all([src.resetAccessLog(), mirror.resetAccessLog()]);
    const out = path.join(tmp, 'mirror.json');
    const r = await runCli(
      ['-registry-mirror', `${src.host}=${mirror.host}/cache`, '-rename-remote-path', `${dst.host}/mirrored`, '-rename-template', TAG_TEMPLATE, '-write-json-mappings-file', out],
      manifest([app.ref]),
    );
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${dst.host}/mirrored/team/app:1.0`]);
    expect(Object.keys(JSON.parse(fs.readFileSync(out, 'utf8')))).toEqual([app.ref]);
    expect((await inspectRaw(dst, `${dst.host}/mirrored/team/app:1.0`)).digest).toBe(app.digest);
    expect(await src.requestCount({ method: 'GET', path: /^\/v2\/.+/ })).toBe(0);
    expect(await src.requestCount({ method: 'HEAD', path: /\/manifests\// })).toBeGreaterThan(0);
    expect(await mirror.requestCount({ method: 'GET', path: /\/cache\/team\/app\/blobs\// })).toBeGreaterThan(0);
  });

  test('with -copy-referrers, the mirror\'s cosign tags must match the registry\'s', async () => {
    const sig = { artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json', payload: 'app sig', tag: cosignTag(app.digest, '.sig') };
    const pushed = await pushArtifact(src, 'team/app', sig);
    expect((await pushArtifact(mirror, 'cache/team/app', sig)).digest).toBe(pushed.digest);
    const args = ['-registry-mirror', `${src.host}=${mirror.host}/cache`, '-rename-remote-path', `${dst.host}/mirref`, '-rename-template', TAG_TEMPLATE, '-copy-referrers'];
    const r = await runCli(args, manifest([app.ref]));
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect((await getManifest(dst, 'mirref/team/app', sig.tag)).digest).toBe(pushed.digest);

    const forged = await pushArtifact(mirror, 'cache/team/app', { ...sig, payload: 'forged' });
    const bad = await runCli(args.map((a) => a.replace('/mirref', '/mirref2')), manifest([app.ref]));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`mirror ${mirror.host}/cache/team/app:${sig.tag} is ${forged.digest}, but ${src.host}/team/app:${sig.tag} is ${pushed.digest}`);
    expect((await getManifest(dst, 'mirref2/team/app', sig.tag)).status).toBe(404);
  });

  test('a mirror serving another digest fails the run', async () => {
    await pushTestImage(mirror, 'cache/team/tool', '2.0', { platforms: 1, seed: 'tampered' });
    const r = await runCli(['-registry-mirror', `${src.host}=${mirror.host}/cache`], manifest([tool.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`Deployment/d0 .*mirror ${mirror.host}/cache/team/tool serves sha256:[0-9a-f]{64}, but ${src.host} serves ${tool.digest}`));
  });

  test('through kpt', async () => {
    const dir = kptPackage('kpt-mirror', manifest([app.ref]));
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `registry-mirror=${src.host}=${mirror.host}/cache`, 'rename-force-digest=true']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`image: ${src.host}/team/app@${app.digest} # keep me`);
  });
});

describe('rate limits', () => {
  test('RateLimit-Remaining under 10% of the limit is logged once per registry; above it, nothing', async () => {
    const low = await startReferrersProxy(src, { extraHeaders: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '7;w=21600' } });
    const high = await startReferrersProxy(src, { extraHeaders: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '10;w=21600' } });
    try {
      const r = await runCli(['-rename-force-digest'], manifest([`${low.host}/team/app:1.0`, `${low.host}/team/tool:2.0`]));
      noError(r.stderr);
      expect(r.code).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('rate limit nearly used up'));
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`^level=WARN .*registry=${low.host} remaining=7 limit=100`))]);
      const ok = await runCli(['-rename-force-digest'], manifest([`${high.host}/team/app:1.0`]));
      expect(ok.code).toBe(0);
      expect(ok.stderr).not.toContain('rate limit');
    } finally {
      await Promise.all([low.stop(), high.stop()]);
    }
  });

  test('a 429 is retried after its Retry-After; one asking for longer than reimage waits fails at once, saying so', async () => {
    const { match, startFaultProxy } = await import('./support/fault-proxy');
    const proxy = await startFaultProxy(src.host, [{ match: match({ method: 'HEAD', path: /\/manifests\// }), times: 1, fault: { status: 429, retryAfter: 2 } }]);
    try {
      const started = Date.now();
      const r = await runCli([], manifest([`${proxy.host}/team/app:1.0`]));
      noError(r.stderr);
      expect(r.code).toBe(0);
      expect(proxy.pendingFaults()).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);

      proxy.reset();
      proxy.addFault({ match: match({ method: 'HEAD', path: /\/manifests\// }), times: Infinity, fault: { status: 429, retryAfter: 3600 } });
      const limited = await runCli([], manifest([`${proxy.host}/team/tool:2.0`]));
      expect(limited.code).toBe(1);
      expect(limited.stdout).toBe('');
      expect(limited.stderr).toMatch(/Deployment\/d0 .*429.*retry after 3600s/);
      expect(proxy.count({ method: 'HEAD', path: /\/manifests\// })).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  test('through kpt: the warning reaches kpt\'s output', async () => {
    const low = await startReferrersProxy(src, { extraHeaders: { 'ratelimit-limit': '100', 'ratelimit-remaining': '3' } });
    try {
      const dir = kptPackage('kpt-ratelimit', manifest([`${low.host}/team/app:1.0`]));
      const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--truncate-output=false', '--', 'rename-force-digest=true']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('rate limit nearly used up');
      expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`@${app.digest} # keep me`);
    } finally {
      await low.stop();
    }
  });
});

describe('-verify-only with the vulnerability gate and attestations', () => {
  test('the CVE gate applies to each pinned image; a clean one passes', async () => {
    const { ROOT } = await import('./support/cli');
    const scanner = ['-trivy-command', `${process.execPath} ${path.join(ROOT, 'test', 'support', 'scanner.js')} --fixture mixed`, '-vulncheck-max-cvss', '7.8'];
    const clean = await pushTestImage(src, 'scan-clean/base', '1', { platforms: 1 });
    const ok = await runCli(['-verify-only', ...scanner], manifest([clean.digestRef]));
    noError(ok.stderr);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(manifest([clean.digestRef]));
    const bad = await runCli(['-verify-only', ...scanner], manifest([clean.digestRef, tool.digestRef]));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('[error]'))).toEqual([
      expect.stringMatching(/^\[error\] apps\/v1\/Deployment\/d1 spec\.template\.spec\.containers\[0\]\.image: .*CVEs with score > 7\.80: CVE-2005-2541/),
    ]);
  });

  test('-vulncheck-max-risk gates too (grype-json from -vulncheck-command)', async () => {
    const { ROOT } = await import('./support/cli');
    const command = `${process.execPath} ${path.join(ROOT, 'test', 'support', 'scanner.js')} --format grype`;
    const bad = await runCli(['-verify-only', '-vulncheck-command', command, '-vulncheck-max-risk', '10'], manifest([tool.digestRef]));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/\[error\] apps\/v1\/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image: .*CVEs with risk > 10\.00/);
    const ok = await runCli(['-verify-only', '-vulncheck-command', command, '-vulncheck-max-risk', '100'], manifest([tool.digestRef]));
    noError(ok.stderr);
    expect(ok.code).toBe(0);
  });

  test('-binauthz-attestor: a verified attestation must exist, and verify mode creates none', async () => {
    const { startGrafeasServer } = await import('./support/grafeas-server');
    const { startKmsServer } = await import('./support/kms-server');
    const { startBinauthzServer } = await import('./support/binauthz-server');
    const [grafeas, kms, binauthz] = await Promise.all([startGrafeasServer(), startKmsServer(), startBinauthzServer()]);
    try {
      const key = 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';
      const pem = kms.addKey(key, 'P-256');
      binauthz.setAttestor('projects/p/attestors/a', { noteReference: 'projects/p/notes/a', publicKeys: [{ id: `//cloudkms.googleapis.com/v1/${key}`, pem, signatureAlgorithm: 'ECDSA_P256_SHA256' }] });
      const attest = ['-binauthz-attestor', 'projects/p/attestors/a', '-binauthz-endpoint', binauthz.endpoint, '-grafeas-parent', 'projects/p', '-grafeas-endpoint', grafeas.endpoint, '-kms-endpoint', kms.endpoint];
      const count = (): number => grafeas.store.all().filter((o) => o.kind === 'ATTESTATION').length;

      const missing = await runCli(['-verify-only', ...attest], manifest([tool.digestRef]));
      expect(missing.code).toBe(1);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toMatch(/\[error\] apps\/v1\/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image: .*no verified attestation by projects\/p\/attestors\/a/);
      expect(count()).toBe(0);
      expect(kms.calls.asymmetricSign).toBe(0);

      const made = await runCli(attest, manifest([tool.digestRef]));
      noError(made.stderr);
      expect(count()).toBe(1);
      const ok = await runCli(['-verify-only', ...attest], manifest([tool.digestRef]));
      noError(ok.stderr);
      expect(ok.code).toBe(0);
      expect(count()).toBe(1);
    } finally {
      await Promise.all([grafeas.stop(), kms.stop(), binauthz.stop()]);
    }
  }, 60_000);
});

describe('the typed FunctionConfig', () => {
  test('spec.rename.keepTag, spec.platform, spec.mappings.write.kustomizeImages, spec.allowedRegistries through kpt --fn-config', async () => {
    const dir = kptPackage('kpt-typed', manifest([app.ref]));
    const file = path.join(tmp, 'kz-typed.yaml');
    const config = path.join(tmp, 'typed-fn-config.yaml');
    const arm = (app.children.find((c) => c.platform === 'linux/arm64') as { digest: string }).digest;
    fs.writeFileSync(
      config,
      `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\nspec:\n  rename:\n    keepTag: true\n  platform: linux/arm64\n` +
        `  allowedRegistries: ${JSON.stringify(`^${src.host}/team/`)}\n  mappings:\n    write:\n      kustomizeImages: ${JSON.stringify(file)}\n`,
    );
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--fn-config', config]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`image: ${app.ref}@${arm} # keep me`);
    expect(fs.readFileSync(file, 'utf8')).toContain(`newTag: "1.0"\n  digest: "${arm}"`);

    fs.writeFileSync(config, `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\nspec:\n  verifyOnly: true\n`);
    const verify = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--fn-config', config]);
    expect(verify.stderr).toContain('[PASS]');
    expect(verify.code).toBe(0);
  });
});

describe('as a kustomize 4.5.4 exec transformer', () => {
  function kustomizeDir(name: string, images: string[], spec: string): string {
    const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
    fs.writeFileSync(path.join(dir, 'app.yaml'), manifest(images));
    fs.symlinkSync(CLI, path.join(dir, 'reimage-fn'));
    fs.writeFileSync(
      path.join(dir, 'reimage.yaml'),
      `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./reimage-fn\nspec:\n${spec}`,
    );
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- app.yaml\ntransformers:\n- reimage.yaml\n');
    return dir;
  }
  const build = (dir: string): ReturnType<typeof run> => run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', dir]);

  test('-keep-tag pins in the build output', async () => {
    const r = await build(kustomizeDir('kx-keep', [app.ref], '  rename:\n    keepTag: true\n'));
    expect(r.code).toBe(0);
    expect(imagesIn(r.stdout)).toEqual([`${app.ref}@${app.digest}`]);
  });

  test('-verify-only passes a pinned build through unchanged and fails an unpinned one', async () => {
    const ok = await build(kustomizeDir('kx-verify', [app.digestRef], '  verifyOnly: true\n'));
    expect(ok.code).toBe(0);
    expect(imagesIn(ok.stdout)).toEqual([app.digestRef]);
    const bad = await build(kustomizeDir('kx-verify-bad', [app.ref], '  verifyOnly: true\n'));
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('not pinned by digest');
  });
});

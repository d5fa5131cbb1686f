/** Pure parts of the supply-chain flags: pin forms, platforms, mirrors, the kustomize images list, rate-limit headers. */
import { applyKustomizeImage, kustomizeImages, renderKustomizeImages } from '../src/mappings/kustomize';
import { Readable } from 'node:stream';
import type { RegistryResponse } from '../src/registry/transport/types';
import { parseReference } from '../src/reference';
import { parseMirror } from '../src/reference/mirror';
import { formatPlatform, parsePlatform, platformMatches } from '../src/reference/platform';
import { pinnedForm } from '../src/remap';
import { rateLimitOf, withRateLimitLog } from '../src/registry/transport/ratelimit';
import { createLogger } from '../src/util/log';

const D = `sha256:${'a'.repeat(64)}`;
const E = `sha256:${'e'.repeat(64)}`;

describe('pinnedForm', () => {
  test.each([
    ['nginx:1.27', { forceDigest: false, keepTag: false }, 'nginx:1.27'],
    ['nginx:1.27', { forceDigest: true, keepTag: false }, `index.docker.io/library/nginx@${D}`],
    ['nginx:1.27', { forceDigest: true, keepTag: true }, `nginx:1.27@${D}`],
    ['nginx', { forceDigest: true, keepTag: true }, `nginx@${D}`],
    [`nginx:1.27@${E}`, { forceDigest: true, keepTag: true }, `nginx:1.27@${D}`],
    ['127.0.0.1:5000/a/b:v1', { forceDigest: false, keepTag: true }, `127.0.0.1:5000/a/b:v1@${D}`],
  ])('%s %j', (target, s, want) => {
    expect(pinnedForm(parseReference(target), D, s)).toBe(want);
  });
});

describe('platforms', () => {
  test('parse and format', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
    for (const bad of ['linux', 'linux/', 'a/b/c/d', 'linux/amd 64', '']) expect(() => parsePlatform(bad)).toThrow(/os\/arch\[\/variant\]/);
  });
  test('matching: a missing variant matches any; arm64 and arm64/v8 are one', () => {
    expect(platformMatches(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(false);
    expect(platformMatches(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' })).toBe(false);
  });
});

describe('parseMirror', () => {
  test('docker.io is normalised; the mirror may carry a path', () => {
    expect(parseMirror('docker.io=mirror.example.com/dockerhub')).toEqual({ registry: 'index.docker.io', mirror: 'mirror.example.com', prefix: 'dockerhub' });
    expect(parseMirror('ghcr.io=127.0.0.1:5001')).toEqual({ registry: 'ghcr.io', mirror: '127.0.0.1:5001', prefix: '' });
  });
  test.each(['docker.io', '=x.io', 'docker.io=', 'library/nginx=x.io', 'docker.io=mirror', 'x.io=x.io'])('refuses %j', (spec) => {
    expect(() => parseMirror(spec)).toThrow(/REGISTRY=MIRROR/);
  });
});

describe('kustomize images', () => {
  test('each form kustomize 4.5.4 writes', () => {
    expect(applyKustomizeImage({ name: 'nginx', newTag: '1.27', digest: D }, 'nginx:1.27')).toBe(`nginx:1.27@${D}`);
    expect(applyKustomizeImage({ name: 'nginx', digest: D }, 'nginx:1.27')).toBe(`nginx@${D}`);
    expect(applyKustomizeImage({ name: 'nginx', newName: 'r.io/nginx', newTag: 'x' }, `nginx@${E}`)).toBe('r.io/nginx:x');
    expect(applyKustomizeImage({ name: 'nginx', newName: 'r.io/nginx' }, `nginx:1@${E}`)).toBe(`r.io/nginx:1@${E}`);
  });
  test('one sorted entry per changed name; unchanged names need none', () => {
    const list = kustomizeImages([
      { original: 'redis:7', final: `r.io/redis:7@${D}` },
      { original: '127.0.0.1:5000/a:1', final: `127.0.0.1:5000/a:1@${E}` },
      { original: `busybox@${D}`, final: `busybox@${D}` },
    ]);
    expect(list).toEqual([
      { name: '127.0.0.1:5000/a', newTag: '1', digest: E },
      { name: 'redis', newName: 'r.io/redis', newTag: '7', digest: D },
    ]);
    expect(renderKustomizeImages(list)).toBe(
      `# Written by reimage: a kustomize images: list (kustomization.yaml images:, Flux spec.images).\nimages:\n- name: "127.0.0.1:5000/a"\n  newTag: "1"\n  digest: "${E}"\n- name: "redis"\n  newName: "r.io/redis"\n  newTag: "7"\n  digest: "${D}"\n`,
    );
    expect(renderKustomizeImages([])).toMatch(/\nimages: \[\]\n$/);
  });
  test('what kustomize cannot express is refused', () => {
    expect(() => kustomizeImages([{ original: 'a:1', final: 'b' }])).toThrow(/drops the tag/);
    expect(() => kustomizeImages([{ original: 'a:1', final: `a:1@${D}` }, { original: 'a:2', final: `a:2@${E}` }])).toThrow(/match by name only/);
    expect(() => kustomizeImages([{ original: 'a:1', final: `a:1@${D}` }, { original: `a@${D}`, final: `a@${D}` }])).toThrow(/match by name only/);
    expect(kustomizeImages([{ original: 'a:1', final: `a@${D}` }, { original: `a@${D}`, final: `a@${D}` }])).toEqual([{ name: 'a', digest: D }]);
  });
});

describe('rate-limit headers', () => {
  const res = (h: Record<string, string>): RegistryResponse => ({
    status: 200,
    statusText: 'OK',
    headers: { get: (n: string) => h[n.toLowerCase()] ?? null },
    body: Readable.from([]),
    text: async () => '',
    json: async () => null,
    bytes: async () => Buffer.alloc(0),
  });
  test('Docker Hub form', () => {
    expect(rateLimitOf(res({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }).headers)).toEqual({ limit: 100, remaining: 76 });
    expect(rateLimitOf(res({ 'ratelimit-remaining': '1' }).headers)).toBeUndefined();
  });
  test('a warning when under 10%, once per registry, and again at zero', async () => {
    const lines: string[] = [];
    let remaining = 12;
    const doer = withRateLimitLog(async () => res({ 'ratelimit-limit': '100', 'ratelimit-remaining': String(remaining) }), createLogger('info', (l) => lines.push(l)));
    for (const r of [12, 9, 8, 0, 0]) {
      remaining = r;
      await doer({ method: 'HEAD', url: '/v2/x/manifests/1', registry: 'hub.example' });
    }
    expect(lines.map((l) => /remaining=(\d+)/.exec(l)?.[1])).toEqual(['9', '0']);
  });
});

/**
 * End-to-end, no registry: the built CLI as a helm post-renderer, and under the real kpt and kustomize 4.5.4,
 * rewriting the shipped examples with the shipped static mappings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { CLI, KPT, KUSTOMIZE, ROOT, run, runCli } from './support/cli';
import { onlyImagesAndAnnotationChanged } from './support/linediff';

const MAPPINGS_FILE = path.join(ROOT, 'examples', 'mappings.json');
const mappingsJson = JSON.parse(fs.readFileSync(MAPPINGS_FILE, 'utf8')) as Record<string, { tag: string }>;
const finalOf: Record<string, string> = Object.fromEntries(Object.entries(mappingsJson).map(([k, v]) => [k, v.tag]));
const OFFLINE = ['-static-json-mappings-file', MAPPINGS_FILE, '-verify-static-json-mappings=false', '-no-copy'];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-e2e-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copyPackage(name: string): string {
  const dir = path.join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
  fs.cpSync(path.join(ROOT, 'examples', 'kpt'), dir, { recursive: true });
  fs.rmSync(path.join(dir, 'Kptfile'));
  fs.rmSync(path.join(dir, 'reimage-config.yaml'));
  return dir;
}

function fnConfig(extra = ''): string {
  const file = path.join(tmp, `fc-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(
    file,
    `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\nspec:\n  mappings:\n    static:\n      file: ${MAPPINGS_FILE}\n      verify: false\n  copy:\n    disabled: true\n${extra}`,
  );
  return file;
}

/** kpt reformats a little on its own (comment spacing); a no-op function shows its baseline. */
async function kptBaseline(dir: string): Promise<string> {
  const base = `${dir}-baseline`;
  fs.cpSync(dir, base, { recursive: true });
  const r = await run(KPT, ['fn', 'eval', base, '--exec', '/bin/cat']);
  expect(r.code).toBe(0);
  return fs.readFileSync(path.join(base, 'app.yaml'), 'utf8');
}

describe('helm post-renderer (filter mode)', () => {
  const input = fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8');

  test('rewrites the shipped example byte for byte as expected', async () => {
    const r = await runCli(OFFLINE, input);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'e2e', 'examples.expected.yaml'), 'utf8'));
  });

  test('changes nothing but the image strings and the mappings annotation', async () => {
    const r = await runCli(OFFLINE, input);
    expect(onlyImagesAndAnnotationChanged(input, r.stdout, finalOf)).toEqual([]);
    // comments, quoting, octal and the document-end marker are untouched
    for (const kept of ['# the main container', "image: 'registry.example.com/mirror/quay.io", 'defaultMode: 0644', '\n...\n', '  image: nginx:1.27   # not an image field']) {
      expect(r.stdout).toContain(kept);
    }
  });

  test('annotates each rewritten resource with its sorted original -> final map', async () => {
    const r = await runCli(OFFLINE, input);
    const docs = r.stdout.split(/^---$/m).map((d) => load(d) as { kind?: string; metadata?: { annotations?: Record<string, string> } } | undefined);
    const web = docs.find((d) => d?.kind === 'Deployment');
    const ann = JSON.parse(web?.metadata?.annotations?.['reimage.dev/mappings'] ?? '{}') as Record<string, string>;
    expect(Object.keys(ann)).toEqual(['ghcr.io/example/migrate:v1.4.0', 'nginx:1.27', 'quay.io/prometheus/nginx-exporter:v1.3.0']);
    expect(ann['nginx:1.27']).toBe(finalOf['nginx:1.27']);
    expect(docs.find((d) => d?.kind === 'ConfigMap')?.metadata?.annotations).toBeUndefined();
  });

  test('writes the final mappings in the Go format', async () => {
    const out = path.join(tmp, 'written.json');
    const r = await runCli([...OFFLINE, '-write-json-mappings-file', out], input);
    expect(r.code).toBe(0);
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, { tag: string; digest: string }>;
    expect(Object.keys(written).sort()).toEqual(Object.keys(mappingsJson).sort());
    expect(written['busybox:1.36']).toEqual(mappingsJson['busybox:1.36']);
    // and it reads back as static mappings, giving the same output
    const again = await runCli(['-static-json-mappings-file', out, '-verify-static-json-mappings=false', '-no-copy'], input);
    expect(again.stdout).toBe(r.stdout);
  });

  test('-rename-force-digest writes target@digest from the mappings', async () => {
    const r = await runCli([...OFFLINE, '-rename-force-digest'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: busybox:1.36\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: registry.example.com/mirror/index.docker.io/library/busybox@sha256:1f3c9a9e2a8d6b1c4e5f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d\n');
  });

  test('-ignore leaves matching images alone, even ones missing from the mappings', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: "internal/tool:1"}\n  - {name: b, image: busybox:1.36}\n';
    const r = await runCli([...OFFLINE, '-ignore', '^internal/'], pod);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: "internal/tool:1"}');
    expect(r.stdout).toContain(`image: ${finalOf['busybox:1.36']}}`);
  });

  test('passes non-Kubernetes documents, unknown kinds and empty documents through untouched', async () => {
    const text = '# only a comment\n---\n---\nfoo: bar # not kubernetes\n---\napiVersion: example.com/v1\nkind: Widget\nspec:\n  image: nginx:1.27\n';
    const r = await runCli(OFFLINE, text);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(text);
  });
});

describe('kpt', () => {
  test('fn eval --exec with --fn-config rewrites only image scalars', async () => {
    const dir = copyPackage('eval-fc');
    const baseline = await kptBaseline(dir);
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--fn-config', fnConfig(), '--truncate-output=false']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[PASS]');
    expect(r.stderr).toMatch(/\[info\] apps\/v1\/Deployment\/web spec\.template\.spec\.containers\[0\]\.image: image nginx:1\.27 rewritten to/);
    const after = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    expect(after).toContain(`image: ${finalOf['nginx:1.27']} # the main container`);
    expect(onlyImagesAndAnnotationChanged(baseline, after, finalOf)).toEqual([]);
  });

  test('fn eval --exec with -- key=value (ConfigMap FunctionConfig)', async () => {
    const dir = copyPackage('eval-kv');
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `static-json-mappings-file=${MAPPINGS_FILE}`, 'verify-static-json-mappings=false', 'no-copy=true', 'rename-force-digest=true']);
    expect(r.code).toBe(0);
    const after = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    expect(after).toContain('image: registry.example.com/mirror/index.docker.io/library/busybox@sha256:1f3c9a9e');
  });

  test('fn render --allow-exec with a Kptfile pipeline changes only image scalars', async () => {
    const dir = copyPackage('render');
    const baseline = await kptBaseline(dir);
    fs.writeFileSync(path.join(dir, 'reimage-config.yaml'), fs.readFileSync(fnConfig(), 'utf8').replace('metadata:\n  name: reimage\n', 'metadata:\n  name: reimage\n  annotations:\n    config.kubernetes.io/local-config: "true"\n'));
    fs.writeFileSync(path.join(dir, 'Kptfile'), `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: ${CLI}\n    configPath: reimage-config.yaml\n`);
    const kptfileBefore = fs.readFileSync(path.join(dir, 'Kptfile'), 'utf8');
    const r = await run(KPT, ['fn', 'render', dir, '--allow-exec']);
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    const after = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    expect(onlyImagesAndAnnotationChanged(baseline, after, finalOf)).toEqual([]);
    expect(after).not.toBe(baseline);
    expect(fs.readFileSync(path.join(dir, 'Kptfile'), 'utf8')).toBe(kptfileBefore);
  });

  test('a failure is [FAIL], exit 1, and leaves every file as it was', async () => {
    const dir = copyPackage('fail');
    fs.appendFileSync(path.join(dir, 'app.yaml'), '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: stray\nspec:\n  containers:\n  - name: x\n    image: not-in-mappings:1\n');
    const before = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--fn-config', fnConfig()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[FAIL]');
    expect(r.stderr).toMatch(/v1\/Pod\/stray spec\.containers\[0\]\.image: .*no known static reference for not-in-mappings:1/);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(before);
  });

  test('stdin mode keeps kpt internal annotations and writes results', async () => {
    const app = fs.readFileSync(path.join(ROOT, 'examples', 'kpt', 'app.yaml'), 'utf8');
    const r = await run(KPT, ['fn', 'eval', '-', '--exec', CLI, '--fn-config', fnConfig(), '-o', 'stdout'], { stdin: app });
    expect(r.code).toBe(0);
    const list = load(r.stdout) as { items: Array<{ metadata: { annotations: Record<string, string> } }> };
    expect(list.items).toHaveLength(2);
    for (const item of list.items) {
      expect(item.metadata.annotations['config.kubernetes.io/index']).toBeDefined();
      expect(item.metadata.annotations['internal.config.kubernetes.io/path']).toBeDefined();
      expect(item.metadata.annotations['reimage.dev/mappings']).toBeDefined();
    }
  });
});

describe('kustomize 4.5.4', () => {
  test('build --enable-alpha-plugins --enable-exec runs reimage as a transformer', async () => {
    const dir = path.join(tmp, 'kustomize');
    fs.cpSync(path.join(ROOT, 'examples', 'kustomize'), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'reimage-fn'));
    fs.symlinkSync(CLI, path.join(dir, 'reimage-fn'));
    fs.writeFileSync(path.join(dir, 'reimage.yaml'), fs.readFileSync(path.join(dir, 'reimage.yaml'), 'utf8').replace('file: ../mappings.json', `file: ${MAPPINGS_FILE}`));
    const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', dir]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const docs = r.stdout.split(/^---$/m).map((d) => load(d) as { kind: string; metadata: { annotations?: Record<string, string> }; spec: unknown });
    const images = JSON.stringify(docs.map((d) => d.spec)).match(/"image":"[^"]+"/g);
    expect(images).toEqual([`"image":"${finalOf['nginx:1.27']}"`, `"image":"${finalOf['ghcr.io/example/migrate:v1.4.0']}"`, `"image":"${finalOf['busybox:1.36']}"`]);
    expect(docs.every((d) => d.metadata.annotations?.['reimage.dev/mappings'])).toBe(true);
  });

  test('a failing transformer fails the build', async () => {
    const dir = path.join(tmp, 'kustomize-fail');
    fs.cpSync(path.join(ROOT, 'examples', 'kustomize'), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'reimage-fn'));
    fs.symlinkSync(CLI, path.join(dir, 'reimage-fn'));
    fs.writeFileSync(path.join(dir, 'reimage.yaml'), fs.readFileSync(path.join(dir, 'reimage.yaml'), 'utf8').replace('file: ../mappings.json', `file: ${path.join(tmp, 'missing.json')}`));
    const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('missing.json');
  });
});

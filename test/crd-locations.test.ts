/**
 * Images in the custom resources people run (issue "Find every image in the custom resources"): one corpus
 * document per row of that table, each rewritten through the real CLI, and each "left alone" case
 * untouched. test/fixtures/crd/expected.json lists, per fixture, every image-like field and whether it is
 * deployed (expect) or must stay as written (leftAlone); it was written from the documents, not from reimage.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { load, loadAll } from 'js-yaml';
import { ROOT, runCli } from './support/cli';

interface Field {
  doc: number;
  path: Array<string | number>;
  image: string;
}
interface Fixture {
  row: string;
  file: string;
  source: string;
  expect: Field[];
  leftAlone: Field[];
}

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'crd');
const TABLE = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Fixture[];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-crd-'));
const hex = (i: number): string => i.toString(16).padStart(64, '0');

/** Argo fills `{{...}}` in when the workflow runs: found, reported, left as written. */
const deployable = (f: Field): boolean => !f.image.includes('{{');

/** A static mappings file sending each image to a distinct pinned target; returns the file and the targets. */
function mappingsFor(images: readonly string[]): { file: string; target: Map<string, string> } {
  const target = new Map<string, string>();
  const json: Record<string, { tag: string; digest: string }> = {};
  [...new Set(images)].forEach((img, i) => {
    target.set(img, `registry.example.com/pinned/img-${i}:p${i}`);
    // An image already pinned by digest keeps that digest: a mapping must not contradict its own key.
    const pinned = /@(sha256:[0-9a-f]{64})$/.exec(img)?.[1];
    json[img] = { tag: `registry.example.com/pinned/img-${i}:p${i}`, digest: pinned ?? `sha256:${hex(i + 1)}` };
  });
  const file = path.join(dir, `m-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(json));
  return { file, target };
}

const OFFLINE = ['-verify-static-json-mappings=false', '-no-copy', '-annotate=false'];

function setIn(root: unknown, p: ReadonlyArray<string | number>, value: string): void {
  let cur = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[p[p.length - 1] as string | number] = value;
}

describe.each(TABLE.map((f) => [f.row, f.file, f] as const))('%s: %s', (_row, file, fx) => {
  const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');

  test('every deployable image is rewritten, every other byte stays', async () => {
    const rewrite = fx.expect.filter(deployable);
    const { file: mappings, target } = mappingsFor(rewrite.map((f) => f.image));
    const r = await runCli(['-static-json-mappings-file', mappings, ...OFFLINE], text);
    expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
    expect(r.code).toBe(0);
    // Every line that holds no image is kept as it was (a folded `image: >-` scalar may become one line).
    const imageLine = (line: string): boolean => /image:\s*[>|][-+]?\s*$/i.test(line) || rewrite.some((f) => line.includes(f.image) || line.includes(target.get(f.image) as string));
    expect(r.stdout.split('\n').filter((l) => !imageLine(l))).toEqual(text.split('\n').filter((l) => !imageLine(l)));
    for (const f of rewrite) expect(r.stdout).toContain(target.get(f.image));
    // And the tree: the expected fields hold their targets; the left-alone ones their own value.
    const want = loadAll(text);
    for (const f of rewrite) setIn(want[f.doc], f.path, target.get(f.image) as string);
    expect(loadAll(r.stdout)).toEqual(want);
  });

  test('-list-images names each field and what found it', async () => {
    const r = await runCli(['-list-images', '-o', 'json'], text);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as Array<{ path: string; image: string; foundBy: string }>;
    expect(listed.map((e) => e.image).sort()).toEqual(fx.expect.filter(deployable).map((f) => f.image).sort());
    for (const e of listed) expect(e.foundBy).toMatch(/^(built-in \w+|pod spec|rules\/default-rules\.yaml rule \d+ \(kind .+\): \$\..+)$/);
    const leftPaths = new Set(fx.leftAlone.map((f) => f.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '')));
    for (const e of listed) expect(leftPaths.has(e.path)).toBe(false);
  });
});

describe('left alone', () => {
  const leftFiles = TABLE.filter((f) => f.leftAlone.length > 0 && f.expect.filter(deployable).length === 0);

  test.each(leftFiles.map((f) => [f.file]))('%s comes out byte for byte', async (file) => {
    const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
    const r = await runCli(['-static-json-mappings-file', mappingsFor([]).file, ...OFFLINE], text);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(text);
  });

  test('and raises no "uncovered image" warning under -debug', async () => {
    for (const f of leftFiles) {
      const r = await runCli(['-list-images'], fs.readFileSync(path.join(FIXTURES, f.file), 'utf8'));
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('looks like an image');
    }
  });

  test('a Tekton $(params...) image is a parameter: reported, left as written, the run passes', async () => {
    const doc = 'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - name: s\n    image: $(params.builder)\n';
    const r = await runCli(['-no-copy', '-debug'], doc);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(doc);
    expect(r.stderr).toContain('[info] tekton.dev/v1/Task/t spec.steps[0].image: image $(params.builder) is a Tekton parameter, substituted when the task runs; left as it is');
  });

  test('pod specs under status are never touched', async () => {
    const doc = [
      'apiVersion: example.com/v1',
      'kind: Thing',
      'metadata: {name: t}',
      'spec:',
      '  template: {spec: {containers: [{name: a, image: "nginx:1"}]}}',
      'status:',
      '  lastApplied: {spec: {containers: [{name: a, image: "nginx:0"}]}}',
      '',
    ].join('\n');
    const r = await runCli(['-list-images'], doc);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('example.com/v1/Thing/t\tspec.template.spec.containers[0].image\tnginx:1\tpod spec\n');
  });
});

describe('switches', () => {
  const read = (f: string): string => fs.readFileSync(path.join(FIXTURES, f), 'utf8');

  test('-find-podspecs=false: pod templates in other kinds are not found, the core kinds still are', async () => {
    expect((await runCli(['-list-images', '-find-podspecs=false'], read('kruise-cloneset.yaml'))).stdout).toBe('');
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: "nginx:1"}]}\n';
    expect((await runCli(['-list-images', '-find-podspecs=false'], pod)).stdout).toBe('v1/Pod/p\tspec.containers[0].image\tnginx:1\tbuilt-in Pod\n');
  });

  test('-default-rules=false: the built-in rules are off, pod specs are still found', async () => {
    expect((await runCli(['-list-images', '-default-rules=false'], read('prometheus-alertmanager.yaml'))).stdout).toBe('');
    expect((await runCli(['-list-images'], read('prometheus-alertmanager.yaml'))).stdout).toBe(
      'monitoring.coreos.com/v1/Alertmanager/monitoring/main\tspec.image\tquay.io/prometheus/alertmanager:v0.33.1\trules/default-rules.yaml rule 1 (kind ^(Alertmanager|ThanosRuler)$): $.spec.image\n',
    );
  });

  test('user rules come first and shadow a built-in rule for the same kind', async () => {
    const rules = path.join(dir, 'user-rules.yaml');
    fs.writeFileSync(rules, '- kind: ^Alertmanager$\n  apiVersion: ^monitoring\\.coreos\\.com/\n  imageJSONP: [spec.baseImage]\n');
    const doc = read('prometheus-alertmanager.yaml').replace('  image: quay.io', '  baseImage: quay.io/prometheus/alertmanager\n  image: quay.io');
    const r = await runCli(['-list-images', '-rules-config', rules], doc);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`monitoring.coreos.com/v1/Alertmanager/monitoring/main\tspec.baseImage\tquay.io/prometheus/alertmanager\trules-config ${rules} rule 0 (kind ^Alertmanager$): spec.baseImage\n`);
  });
});

describe('-list-images', () => {
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8');

  test('text: one line per field, nothing rewritten, no registry reached', async () => {
    const r = await runCli(['-list-images', '-rename-remote-path', 'registry.invalid/never'], example);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'apps/v1/Deployment/web\tspec.template.spec.containers[0].image\tnginx:1.27\tbuilt-in Deployment',
      'apps/v1/Deployment/web\tspec.template.spec.containers[1].image\tquay.io/prometheus/nginx-exporter:v1.3.0\tbuilt-in Deployment',
      'apps/v1/Deployment/web\tspec.template.spec.initContainers[0].image\tghcr.io/example/migrate:v1.4.0\tbuilt-in Deployment',
      'batch/v1/CronJob/nightly-report\tspec.jobTemplate.spec.template.spec.containers[0].image\tbusybox:1.36\tbuilt-in CronJob',
      'monitoring.coreos.com/v1/Prometheus/main\tspec.image\tquay.io/prometheus/prometheus:v2.53.0\trules/default-rules.yaml rule 0 (kind ^Prometheus$): $.spec.image',
      '',
    ]);
    // The ConfigMap's data.image is a string under an image key that no rule covers: a warning says so.
    expect(r.stderr).toContain('[warning] v1/ConfigMap/web-config data.image: ConfigMap field data.image looks like an image (nginx:1.27)');
  });

  test('-o json: an array of entries', async () => {
    const r = await runCli(['-list-images', '-o', 'json'], example);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as unknown[];
    expect(entries).toHaveLength(5);
    expect(entries[4]).toEqual({
      resource: { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: 'main' },
      source: 'document 3',
      path: 'spec.image',
      image: 'quay.io/prometheus/prometheus:v2.53.0',
      foundBy: 'rules/default-rules.yaml rule 0 (kind ^Prometheus$): $.spec.image',
    });
  });

  test('KRM: the ResourceList unchanged, one info result per field', async () => {
    const items = loadAll(example).filter((d) => d !== null && d !== undefined);
    const list = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items };
    const { dump } = await import('js-yaml');
    const input = dump(list);
    const r = await runCli(['-list-images'], input);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(input)).toBe(true);
    const out = load(r.stdout) as { items: unknown[]; results: Array<{ severity: string; message: string; field?: { path: string } }> };
    expect(out.items).toEqual(items);
    const infos = out.results.filter((x) => x.severity === 'info');
    expect(infos.map((x) => x.field?.path)).toEqual([
      'spec.template.spec.containers[0].image',
      'spec.template.spec.containers[1].image',
      'spec.template.spec.initContainers[0].image',
      'spec.jobTemplate.spec.template.spec.containers[0].image',
      'spec.image',
    ]);
    expect(infos[0]?.message).toBe('image nginx:1.27 (found by built-in Deployment)');
    expect(out.results.filter((x) => x.severity === 'warning').map((x) => x.field?.path)).toEqual(['data.image']);
  });

  test('-list-images with -mappings-only is refused: it would copy', async () => {
    const r = await runCli(['-list-images', '-mappings-only', '-static-json-mappings-file', path.join(ROOT, 'examples', 'mappings.json')], '');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('-list-images lists the images in the manifests on stdin; it cannot be combined with -mappings-only');
  });

  test('uncovered image-like keys warn only with -debug or -list-images', async () => {
    const doc = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {sidecarImage: "busybox:1"}\n';
    const plain = await runCli(['-no-copy'], doc);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('warning');
    const debug = await runCli(['-no-copy', '-debug'], doc);
    expect(debug.code).toBe(0);
    expect(debug.stderr).toContain('[warning] example.com/v1/Widget/w spec.sidecarImage: Widget field spec.sidecarImage looks like an image (busybox:1) but no built-in location or rule covers it');
  });
});

test('KRM with -debug: the uncovered-image warning is a result in the ResourceList', async () => {
  const input = [
    'apiVersion: config.kubernetes.io/v1',
    'kind: ResourceList',
    'items:',
    '- apiVersion: example.com/v1',
    '  kind: Widget',
    '  metadata: {name: w}',
    '  spec: {baseImage: "foo:1"}',
    '',
  ].join('\n');
  const r = await runCli(['-no-copy', '-debug'], input);
  expect(r.code).toBe(0);
  const out = load(r.stdout) as { results: Array<{ severity: string; field: { path: string } }> };
  expect(out.results).toEqual([expect.objectContaining({ severity: 'warning', field: { path: 'spec.baseImage', currentValue: 'foo:1' } })]);
});

test('the embedded rules module matches rules/default-rules.yaml', () => {
  expect(() => execFileSync(process.execPath, [path.join(ROOT, 'rules', 'generate.js'), '--check'], { stdio: 'pipe' })).not.toThrow();
});

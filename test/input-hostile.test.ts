/**
 * Issue 8 items 4, 14, 20-23 and issue 9 "Plain YAML and the annotation" / "Input the Go tool rejects", through
 * the real CLI: each bad input exits 1 with nothing on stdout and one stderr line naming the document and line;
 * each accepted one changes only what it must.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { CLI, KPT, ROOT, run, runCli } from './support/cli';

const M = path.join(ROOT, 'examples', 'mappings.json');
const OFFLINE = ['-static-json-mappings-file', M, '-verify-static-json-mappings=false', '-no-copy'];
const mappings = JSON.parse(fs.readFileSync(M, 'utf8')) as Record<string, { tag: string }>;
const NGINX = (mappings['nginx:1.27'] as { tag: string }).tag;
const BUSYBOX = (mappings['busybox:1.36'] as { tag: string }).tag;
const pod = (image: string, name = 'p'): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: a\n    image: ${image}\n`;

/** The one-line failure every refused input must give. */
async function refused(stdin: string | Buffer, message: RegExp, args: string[] = OFFLINE): Promise<void> {
  const r = await runCli(args, stdin);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

describe('item 4: bytes that are not UTF-8 are refused, never replaced', () => {
  test('an invalid byte names its document and line', async () => {
    const text = Buffer.concat([Buffer.from(`${pod('nginx:1.27')}---\n# caf`), Buffer.from([0xe9]), Buffer.from(' au lait\n'), Buffer.from(pod('busybox:1.36', 'q'))]);
    await refused(text, /^reimage: error: stdin: document 1 \(line 10, column 6\): invalid UTF-8: byte 0xe9/);
  });

  test('the corpus cp1252 file (a Windows-1252 comment) is refused at its line', async () => {
    const bytes = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'corpus', 'derived', 'metrics-server-cp1252-comment.yaml'));
    const at = bytes.findIndex((b) => b >= 0x80);
    const line = bytes.subarray(0, at).toString('latin1').split('\n').length;
    await refused(bytes, new RegExp(`^reimage: error: stdin: document 0 \\(line ${line}, column \\d+\\): invalid UTF-8`));
  });

  test.each([
    ['UTF-16 LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pod('nginx:1.27'), 'utf16le')]), /UTF-16 \(little-endian, with a byte order mark\)/],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(pod('nginx:1.27'), 'utf16le').swap16()]), /UTF-16 \(big-endian, with a byte order mark\)/],
    ['UTF-16 LE without BOM', Buffer.from(pod('nginx:1.27'), 'utf16le'), /UTF-16 \(little-endian\)/],
  ])('%s says UTF-16, not "null byte"', async (_name, bytes, message) => {
    await refused(bytes, message);
    await refused(bytes, /^reimage: error: stdin: the input is UTF-16 .*reads UTF-8 only/);
  });

  test('valid multi-byte UTF-8 passes byte for byte', async () => {
    const text = `# 日本語 — ünïcödé 🐳\n${pod('nginx:1.27')}`;
    const r = await runCli(OFFLINE, text);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# 日本語 — ünïcödé 🐳\n');
  });

  test('under kpt, the package files are left as they were', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-utf8-'));
    try {
      fs.writeFileSync(path.join(dir, 'ok.yaml'), pod('nginx:1.27'));
      // kpt refuses the bad file itself or we do: either way exit 1 and nothing changes.
      const bad = Buffer.concat([Buffer.from(pod('busybox:1.36', 'q')), Buffer.from('# \xff\n', 'latin1')]);
      fs.writeFileSync(path.join(dir, 'bad.yaml'), bad);
      const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `static-json-mappings-file=${M}`, 'verify-static-json-mappings=false', 'no-copy=true']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/UTF-8/i);
      expect(fs.readFileSync(path.join(dir, 'ok.yaml'), 'utf8')).toBe(pod('nginx:1.27'));
      expect(fs.readFileSync(path.join(dir, 'bad.yaml')).equals(bad)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('item 14: deep nesting is refused with its place, no stack overflow', () => {
  test.each([
    ['flow sequences', `${pod('nginx:1.27')}---\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, /^reimage: error: stdin: document 1 \(line 10, column \d+\): nesting deeper than 1000 levels$/],
    ['flow mappings', `a: 1\nb: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`, /^reimage: error: stdin: document 0 \(line 2, column \d+\): nesting deeper than 1000 levels$/],
    ['block mappings', Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'), /^reimage: error: stdin: document 0 \(line \d+, column \d+\): nesting deeper than 1000 levels$/],
    ['block sequences', `${'- '.repeat(10_000)}x\n`, /^reimage: error: stdin: document 0 \(line 1, column \d+\): nesting deeper than 1000 levels$/],
  ])('%s, 10,000 deep', async (_name, text, message) => {
    await refused(text, message);
  });
});

describe('item 20: JSON in, JSON out', () => {
  test('a pretty-printed JSON Pod gets its annotation as JSON and still parses as JSON', async () => {
    const json = `${JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } }, null, 2)}\n`;
    const r = await runCli(OFFLINE, json);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { metadata: { annotations: Record<string, string> }; spec: { containers: Array<{ image: string }> } };
    expect(out.spec.containers[0]?.image).toBe(NGINX);
    expect(JSON.parse(out.metadata.annotations['reimage.dev/mappings'] as string)).toEqual({ 'nginx:1.27': NGINX });
    // the new entry sits on its own line at the column of its siblings
    expect(r.stdout).toContain('    "labels": {\n      "a": "b"\n    },\n    "annotations": {"reimage.dev/mappings": ');
  });

  test('JSON without metadata, and with an empty one', async () => {
    for (const doc of [{ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ image: 'nginx:1.27' }] } }, { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ image: 'nginx:1.27' }] } }]) {
      const r = await runCli(OFFLINE, JSON.stringify(doc));
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { metadata: { annotations: Record<string, string> } };
      expect(out.metadata.annotations['reimage.dev/mappings']).toContain(NGINX);
    }
  });

  test('KYAML with trailing commas keeps its commas and stays valid', async () => {
    const kyaml = '{\n  apiVersion: "v1",\n  kind: "Pod",\n  metadata: {\n    name: "p",\n  },\n  spec: {\n    containers: [{\n      name: "a",\n      image: "nginx:1.27",\n    }],\n  },\n}\n';
    const r = await runCli(OFFLINE, kyaml);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(kyaml.replace('    name: "p",\n', `    name: "p",\n    annotations: {reimage.dev/mappings: ${JSON.stringify(JSON.stringify({ 'nginx:1.27': NGINX }))}},\n`).replace('"nginx:1.27"', `"${NGINX}"`));
    expect((load(r.stdout) as { metadata: { name: string } }).metadata.name).toBe('p');
  });
});

describe('item 21: Lists annotate each rewritten item, never the List', () => {
  test('kubectl get -o yaml (a List of Pods) and a typed DeploymentList', async () => {
    const list = `apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: ""\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n  spec:\n    containers:\n    - name: a\n      image: nginx:1.27\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\n  spec:\n    containers:\n    - name: b\n      image: busybox:1.36\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n`;
    const r = await runCli([...OFFLINE, '-debug'], list);
    expect(r.code).toBe(0);
    const out = load(r.stdout) as { metadata: Record<string, unknown>; items: Array<{ metadata: { annotations?: Record<string, string> } }> };
    expect(out.metadata).toEqual({ resourceVersion: '' });
    expect(JSON.parse(out.items[0]?.metadata.annotations?.['reimage.dev/mappings'] ?? '')).toEqual({ 'nginx:1.27': NGINX });
    expect(JSON.parse(out.items[1]?.metadata.annotations?.['reimage.dev/mappings'] ?? '')).toEqual({ 'busybox:1.36': BUSYBOX });
    expect(out.items[2]?.metadata.annotations).toBeUndefined();
    // results name the item, not the List
    expect(r.stderr).toContain('[info] v1/Pod/a spec.containers[0].image: image nginx:1.27 rewritten');
  });

  test('typed list items without kind are named by the list kind', async () => {
    const list = 'apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata:\n    name: web\n  spec:\n    template:\n      spec:\n        containers:\n        - name: a\n          image: nginx:1.27\n';
    const r = await runCli([...OFFLINE, '-debug'], list);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`- metadata:\n    name: web\n    annotations:\n      reimage.dev/mappings: `);
    expect(r.stdout.indexOf('reimage.dev')).toBeGreaterThan(r.stdout.indexOf('items:'));
    expect(r.stderr).toContain('[info] apps/v1/Deployment/web spec.template.spec.containers[0].image');
  });
});

describe('item 22: a UTF-8 BOM does not shift the inserted annotation', () => {
  test('annotation lines line up with the other keys', async () => {
    const text = `\ufeff${pod('nginx:1.27')}`;
    const r = await runCli(OFFLINE, text);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('\ufeffapiVersion: v1\n')).toBe(true);
    expect(r.stdout).toContain('metadata:\n  name: p\n  annotations:\n    reimage.dev/mappings: ');
    expect(load(r.stdout.slice(1))).toMatchObject({ metadata: { name: 'p' } });
  });

  test('a BOM and a missing metadata block', async () => {
    const r = await runCli(OFFLINE, '\ufeffapiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:1.27\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nmetadata:\n  annotations:\n    reimage.dev/mappings: ');
  });
});

describe('item 23: error locations', () => {
  test('a NUL byte on line 8 is reported at line 8', async () => {
    await refused(`a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: x\0y\n`, /^reimage: error: stdin: document 0 \(line 8, column 5\): null byte \(U\+0000\) is not allowed in YAML$/);
  });

  test('other control characters too, in a later document', async () => {
    await refused(`${pod('nginx:1.27')}---\na: "\x07"\n`, /^reimage: error: stdin: document 1 \(line 10, column 5\): control character U\+0007 is not allowed in YAML$/);
  });

  test('duplicate keys name the key and both lines', async () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    image: busybox:1.36\n';
    await refused(text, /^reimage: error: stdin: document 0 \(line 9, column 5\): mapping key "image" already defined at line 8$/);
    await refused('{"a": 1, "b": 2,\n "a": 3}', /document 0 \(line 2, column 2\): mapping key "a" already defined at line 1/);
  });

  test('ko:// placeholders are not image references, with the -ignore to use', async () => {
    await refused(pod('ko://github.com/tektoncd/pipeline/cmd/controller'), /^\[error\] v1\/Pod\/p spec\.containers\[0\]\.image: .*ko:\/\/ is a ko build placeholder, not an image reference; .*-ignore '\^ko:\/\/'$/);
    const r = await runCli([...OFFLINE, '-ignore', '^ko://'], pod('ko://github.com/tektoncd/pipeline/cmd/controller'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(pod('ko://github.com/tektoncd/pipeline/cmd/controller'));
  });

  test('Argo parameterised images are skipped with an info result', async () => {
    const wf = 'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: wf-\nspec:\n  templates:\n  - name: a\n    container:\n      image: "{{inputs.parameters.image}}"\n  - name: b\n    container:\n      image: nginx:1.27\n';
    const r = await runCli([...OFFLINE, '-debug'], wf);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('      image: "{{inputs.parameters.image}}"\n');
    expect(r.stdout).toContain(`      image: ${NGINX}\n`);
    expect(r.stderr).toContain('[info] argoproj.io/v1alpha1/Workflow/wf- spec.templates[0].container.image: image {{inputs.parameters.image}} is an Argo template expression');
  });

  test('resources named only by generateName are named by it', async () => {
    await refused(pod('nope:1').replace('  name: p\n', '  generateName: job-\n'), /^\[error\] v1\/Pod\/job- spec\.containers\[0\]\.image: .*no known static reference for nope:1/);
  });
});

describe('aliases and merge keys', () => {
  test('an image anchored in one container and aliased in another is rewritten once, at the anchor', async () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - &c\n    name: a\n    image: &img nginx:1.27\n  initContainers:\n  - <<: *c\n    name: b\n  ephemeralContainers:\n  - name: e\n    image: *img\n';
    const r = await runCli([...OFFLINE, '-annotate=false'], text);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(text.replace('&img nginx:1.27', `&img ${NGINX}`));
  });

  test('an alias of an anchor that is not an image field is refused, naming the field', async () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: &img nginx}\nspec:\n  containers:\n  - name: a\n    image: *img\n';
    await refused(text, /^\[error\] v1\/Pod\/p spec\.containers\[0\]\.image: image field cannot be edited in place: it comes through an alias/);
  });
});

describe('issue 9: plain YAML and the annotation', () => {
  const values = 'image:\n  repository: nginx\nsidecar: nginx:1.27 # a sidecar\nkind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: busybox:1.36\n';
  const rawRule = (kind: string): string => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-raw-')), 'rules.yaml');
    fs.writeFileSync(f, `- kind: ${kind}\n  imageJSONP: ["$.sidecar"]\n`);
    return f;
  };

  test.each(['Raw', 'raw'])('-input yaml applies only the %s rule and inserts nothing', async (kind) => {
    const r = await runCli([...OFFLINE, '-input', 'yaml', '-rules-config', rawRule(kind)], values);
    expect(r.code).toBe(0);
    // the Pod-looking values are not Kubernetes here: only the Raw rule's field changes, and no annotation is added
    expect(r.stdout).toBe(values.replace('sidecar: nginx:1.27', `sidecar: ${NGINX}`));
  });

  test('-input yaml without a Raw rule changes nothing', async () => {
    const r = await runCli([...OFFLINE, '-input', 'yaml'], values);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(values);
  });

  test('-annotate=false writes no annotation', async () => {
    const r = await runCli([...OFFLINE, '-annotate=false'], pod('nginx:1.27'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(pod(NGINX));
  });

  test('annotate: false in the typed FunctionConfig', async () => {
    const rl = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: fn.reimage.dev/v1alpha1\n  kind: ReImage\n  metadata: {name: r}\n  spec:\n    annotate: false\nitems:\n- ${pod('nginx:1.27').trimEnd().split('\n').join('\n  ')}\n`;
    const r = await runCli(OFFLINE, rl);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('reimage.dev/mappings');
    expect(r.stdout).toContain(`image: ${NGINX}`);
  });
});

describe('issue 9: input the Go tool rejects', () => {
  test('text that is not YAML (the Go TestProcess_invalid_yaml input)', async () => {
    await refused('\n\t-- not even vaguely yaml --\n', /^reimage: error: stdin: document 0 \(line 2, column 2\): found character that cannot start any token/);
    await refused('\n\t-- not even vaguely yaml --\n', /cannot start any token/, [...OFFLINE, '-input', 'yaml']);
  });

  test.each([
    ['prose', 'This chart installs the web tier.\n', /document 0 \(line 1, column 1\): not a Kubernetes object: the document is the string "This chart installs the web tier\."/],
    ['prose in a later document', `${pod('nginx:1.27')}---\nThank you for installing.\n`, /document 1 \(line 10, column 1\): not a Kubernetes object/],
    ['a number', '42\n', /document 0 \(line 1, column 1\): not a Kubernetes object: the document is the number 42/],
    ['a sequence', '- a\n- b\n', /not a Kubernetes object: the document is a sequence/],
  ])('a top-level %s is not a Kubernetes object', async (_name, text, message) => {
    await refused(text, message);
  });

  test('with -input yaml a scalar document is fine', async () => {
    const r = await runCli([...OFFLINE, '-input', 'yaml'], 'just a string\n---\na: 1\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('just a string\n---\na: 1\n');
  });
});

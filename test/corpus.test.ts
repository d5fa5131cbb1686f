/**
 * The real-world corpus (test/fixtures/corpus: 363 manifests from 12 projects plus 10 derived forms, see SOURCES.md
 * there) through filter mode, `kpt fn eval` and kustomize 4.5.4, with static mappings that rewrite every image.
 *
 * What is compared, and why it is fair:
 * - filter mode (the real CLI, -annotate=false): every byte. Putting each original image back in place of its
 *   (unique) final string must give the input file exactly. With the annotation (in-process, same stages): the
 *   output loads to the same tree plus the annotation on each rewritten resource, and JSON files stay JSON.
 * - kpt: kpt re-serialises every file itself (comment spacing, indentation of sequences, quoting), so the fair
 *   baseline is the same package run through `kpt fn eval --exec cat`; the reimage run must equal that baseline
 *   byte for byte once the images are put back; a third run with the annotation must load to the same tree plus the
 *   annotation on each rewritten resource. kpt reads no .json files, refuses resources without metadata.name
 *   (Argo's generateName examples) and a few files it cannot parse; those are listed, and kpt's refusal is checked.
 * - kustomize: it re-serialises everything, so the baseline is the same kustomization without the transformer;
 *   files are grouped so that no two resources share an id (kustomize's own rule).
 * Files that reimage must refuse (not UTF-8, UTF-16, duplicate keys) are refused with their line in every mode.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';
import { compileRules, DEFAULT_RULES, loadYamlValues } from '../src/manifest';
import { parseReference } from '../src/reference';
import { readInput } from '../src/run/input';
import { collectOccurrences, groupByImage } from '../src/run/occurrences';
import { renderOutput } from '../src/run/output';
import type { ImageState } from '../src/run/state';
import { CLI, KPT, KUSTOMIZE, ROOT, run, runCli } from './support/cli';

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'corpus');
/** ko:// build placeholders and `<YOUR-CONTAINER>` documentation placeholders are not images. */
const IGNORE = '^(ko://|<)';
const IGNORED = /^(ko:\/\/|<)/;

/** Files reimage refuses, with the one-line reason (each names document and line, or the encoding). */
const REFUSED: Record<string, RegExp> = {
  'derived/metrics-server-cp1252-comment.yaml': /^reimage: error: stdin: document 0 \(line 15, column 27\): invalid UTF-8: byte 0x92/,
  'derived/metrics-server-utf16.yaml': /^reimage: error: stdin: the input is UTF-16 \(little-endian, with a byte order mark\)/,
  'examples/_archived__openshift-origin__etcd-controller.yaml': /^reimage: error: stdin: document 0 \(line 12, column 3\): mapping key "selector" already defined at line 6$/,
  'examples/_archived__openshift-origin__etcd-discovery-controller.yaml': /^reimage: error: stdin: document 0 \(line 12, column 3\): mapping key "selector" already defined at line 6$/,
  'examples/_archived__openshift-origin__openshift-controller.yaml': /^reimage: error: stdin: document 0 \(line 12, column 3\): mapping key "selector" already defined at line 8$/,
};
/** Files kpt itself cannot read (`{{x}}` templates it parses as mapping keys). */
const KPT_REJECTS = ['examples/_archived__storage__vitess__etcd-controller-template.yaml', 'examples/_archived__storage__vitess__vtgate-controller-template.yaml', 'argo-rollouts/examples__traffic-management__rollout-linkerd.yaml'];

const files: string[] = fs
  .readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => fs.readdirSync(path.join(CORPUS, d.name)).map((f) => `${d.name}/${f}`))
  .sort();
const bytes = new Map(files.map((f) => [f, fs.readFileSync(path.join(CORPUS, f))]));
const rules = compileRules(DEFAULT_RULES);

interface Plan {
  text: string;
  /** image scalars that get rewritten in the text (an anchor and its aliases are one) */
  rewrites: number;
  /** image fields that get rewritten (kustomize expands aliases, so it writes each) */
  fields: number;
  images: Set<string>;
}
const plans = new Map<string, Plan>();
const finals = new Map<string, string>();
for (const f of files) {
  if (REFUSED[f]) continue;
  const input = readInput(bytes.get(f) as Buffer);
  const found = collectOccurrences(input.resources, rules, 'k8s');
  const errors = found.errors.filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`${f}: ${errors.map((e) => e.message).join('; ')}`);
  const images = new Set<string>();
  // An anchored image and its aliases are one scalar in the text.
  const nodes = new Set<unknown>();
  for (const o of found.occurrences) {
    if (IGNORED.test(o.image)) continue;
    images.add(o.image);
    nodes.add(o.node);
    if (!finals.has(o.image)) finals.set(o.image, `mirror.example.com/corpus/i${createHash('sha256').update(o.image).digest('hex').slice(0, 12)}:v1`);
  }
  plans.set(f, { text: input.text, rewrites: nodes.size, fields: found.occurrences.filter((o) => !IGNORED.test(o.image)).length, images });
}
const originalOf = new Map([...finals].map(([o, f]) => [f, o]));
const FINAL_RE = /mirror\.example\.com\/corpus\/i[0-9a-f]{12}:v1/g;
/** Puts every original image back in place of its final string; counts the replacements. */
function restore(text: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(FINAL_RE, (m) => {
    count++;
    return originalOf.get(m) ?? m;
  });
  return { text: out, count };
}

/**
 * Checks and removes each reimage.dev/mappings annotation in `got` (and the `annotations:` / `metadata:` it needed),
 * so that `got` can be compared with `want`, the same output without annotations. Returns how many it found.
 */
function stripAnnotations(f: string, got: unknown, want: unknown, problems: string[]): number {
  let annotations = 0;
  const walk = (g: unknown, w: unknown): void => {
    if (Array.isArray(g) && Array.isArray(w)) return g.forEach((x, i) => walk(x, w[i]));
    if (!g || typeof g !== 'object' || !w || typeof w !== 'object') return;
    const gr = g as Record<string, unknown>;
    const wr = w as Record<string, unknown>;
    const meta = gr['metadata'] as Record<string, unknown> | undefined;
    const ann = meta?.['annotations'] as Record<string, unknown> | undefined;
    const value = ann?.['reimage.dev/mappings'];
    if (typeof value === 'string' && meta && ann) {
      annotations++;
      const m = JSON.parse(value) as Record<string, string>;
      if (Object.keys(m).join() !== Object.keys(m).sort().join()) problems.push(`${f}: annotation keys not sorted`);
      for (const [k, v] of Object.entries(m)) if (finals.get(k) !== v) problems.push(`${f}: annotation maps ${k} to ${v}`);
      delete ann['reimage.dev/mappings'];
      const wm = wr['metadata'] as Record<string, unknown> | undefined;
      const before = wm?.['annotations'];
      if (Object.keys(ann).length === 0 && (before === undefined || before === null)) {
        if (before === null) meta['annotations'] = null;
        else delete meta['annotations'];
      }
      if (Object.keys(meta).length === 0 && wm === undefined) delete gr['metadata'];
    }
    for (const k of Object.keys(gr)) walk(gr[k], wr[k]);
  };
  walk(got, want);
  return annotations;
}

let tmp: string;
let mappingsFile: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-corpus-'));
  mappingsFile = path.join(tmp, 'mappings.json');
  const m: Record<string, { tag: string; digest: string }> = {};
  // A mapping for an image that pins a digest must record that digest (anything else is a contradiction).
  for (const [o, f] of finals) m[o] = { tag: f, digest: parseReference(o).digest ?? `sha256:${createHash('sha256').update(f).digest('hex')}` };
  fs.writeFileSync(mappingsFile, JSON.stringify(m));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FLAGS = (): string[] => ['-static-json-mappings-file', mappingsFile, '-verify-static-json-mappings=false', '-no-copy', '-ignore', IGNORE];

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

test('the corpus is all there and holds many images', () => {
  expect(files.length).toBe(373);
  expect(finals.size).toBeGreaterThan(140);
  expect([...plans.values()].reduce((n, p) => n + p.rewrites, 0)).toBeGreaterThan(450);
});

describe('filter mode (helm post-renderer), every file', () => {
  test('every byte outside the rewritten images is kept; refused files fail in one line', async () => {
    const problems: string[] = [];
    // Plain files go through in a few streams (as helm concatenates templates), the others one by one.
    const alone = (f: string): boolean => REFUSED[f] !== undefined || f.startsWith('derived/') || (bytes.get(f) as Buffer)[0] === 0xef;
    const single = files.filter(alone);
    const rest = files.filter((f) => !alone(f));
    const batches: string[][] = [];
    for (let i = 0; i < rest.length; i += 100) batches.push(rest.slice(i, i + 100));
    const jobs: Array<{ name: string; files: string[]; stdin: Buffer; text?: string; rewrites: number }> = [
      ...single.map((f) => ({ name: f, files: [f], stdin: bytes.get(f) as Buffer, text: plans.get(f)?.text, rewrites: plans.get(f)?.rewrites ?? 0 })),
      ...batches.map((b, i) => {
        const text = b.map((f) => (plans.get(f) as Plan).text.replace(/([^\n])$/, '$1\n')).join('---\n');
        return { name: `batch ${i} (${b.length} files)`, files: b, stdin: Buffer.from(text), text, rewrites: b.reduce((n, f) => n + (plans.get(f) as Plan).rewrites, 0) };
      }),
    ];
    await pool(jobs, 2, async (job) => {
      const r = await runCli([...FLAGS(), '-annotate=false'], job.stdin, { timeoutMs: 120_000 });
      const refused = REFUSED[job.name];
      if (refused) {
        if (r.code !== 1 || r.stdout !== '' || !refused.test(r.stderr.trimEnd()) || r.stderr.trimEnd().includes('\n')) problems.push(`${job.name}: expected refusal, got ${r.code} ${r.stderr}`);
        return;
      }
      if (r.code !== 0) return void problems.push(`${job.name}: exit ${r.code}: ${r.stderr}`);
      const back = restore(r.stdout);
      if (back.count !== job.rewrites) problems.push(`${job.name}: ${back.count} rewritten images in the output, ${job.rewrites} expected`);
      if (back.text !== job.text) problems.push(`${job.name}: bytes differ outside the images`);
    });
    expect(problems).toEqual([]);
  }, 300_000);

  test('with the annotation: same tree plus the annotation on each rewritten resource; JSON stays JSON', () => {
    const problems: string[] = [];
    for (const [f, plan] of plans) {
      const input = readInput(plan.text);
      const found = collectOccurrences(input.resources, rules, 'k8s');
      const states: ImageState[] = [];
      for (const [image, occurrences] of groupByImage(found.occurrences.filter((o) => !IGNORED.test(o.image)))) {
        const final = finals.get(image) as string;
        states.push({ original: image, occurrences, outcome: { kind: 'mapped', target: parseReference(final), digest: `sha256:${'0'.repeat(64)}`, final } });
      }
      const annotated = renderOutput(input, states, { annotate: true }).text;
      const plain = renderOutput(input, states, { annotate: false }).text;
      const strip = (t: string): string => t.replace(/^\ufeff/, '');
      const got = loadAll(strip(annotated));
      const want = loadAll(strip(plain));
      const annotations = stripAnnotations(f, got, want, problems);
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${f}: the annotated output loads to a different tree`);
      if (plan.rewrites > 0 && annotations === 0) problems.push(`${f}: no annotation`);
      if (f.endsWith('.json')) {
        try {
          JSON.parse(annotated);
        } catch (e) {
          problems.push(`${f}: output is no longer JSON: ${String(e)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/** Resource ids in a file, for kpt (which needs names) and kustomize (which needs unique ids). */
function resourcesOf(f: string): Array<{ id: string; named: boolean }> | undefined {
  const plan = plans.get(f);
  if (!plan) return undefined;
  const out: Array<{ id: string; named: boolean }> = [];
  for (const d of loadAll(plan.text.replace(/^\ufeff/, ''))) {
    if (d === null || d === undefined) continue;
    const r = d as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    if (typeof d !== 'object' || typeof r.apiVersion !== 'string' || typeof r.kind !== 'string') return undefined;
    const name = r.metadata?.name;
    // kustomize takes a missing namespace as "default"
    out.push({ id: `${r.apiVersion.split('/').length > 1 ? r.apiVersion.split('/')[0] : ''}/${r.kind}/${String(r.metadata?.namespace || 'default')}/${String(name)}`, named: typeof name === 'string' && name !== '' });
  }
  return out;
}
const flat = (f: string): string => f.replace('/', '__');
const kptFiles = files.filter((f) => !f.endsWith('.json') && !KPT_REJECTS.includes(f) && resourcesOf(f)?.every((r) => r.named) === true);

describe('kpt fn eval', () => {
  test('kpt itself refuses the files left out of the kpt run', async () => {
    for (const f of KPT_REJECTS) {
      const dir = fs.mkdtempSync(path.join(tmp, 'kpt-reject-'));
      fs.writeFileSync(path.join(dir, flat(f)), bytes.get(f) as Buffer);
      const r = await run(KPT, ['fn', 'eval', dir, '--exec', '/bin/cat']);
      expect(r.code).not.toBe(0);
    }
  });

  test('the package equals kpt\'s own cat baseline, byte for byte, once the images are put back', async () => {
    expect(kptFiles.length).toBeGreaterThan(280);
    const base = path.join(tmp, 'kpt-base');
    const pkg = path.join(tmp, 'kpt-pkg');
    const annotated = path.join(tmp, 'kpt-annotated');
    for (const dir of [base, pkg, annotated]) {
      fs.mkdirSync(dir);
      for (const f of kptFiles) fs.writeFileSync(path.join(dir, flat(f)), bytes.get(f) as Buffer);
    }
    const fnConfig = path.join(tmp, 'fn-config.yaml');
    fs.writeFileSync(fnConfig, `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\nspec:\n  annotate: false\n  ignore: ${JSON.stringify(IGNORE)}\n  mappings:\n    static:\n      file: ${mappingsFile}\n      verify: false\n  copy:\n    disabled: true\n`);
    const withAnnotation = path.join(tmp, 'fn-config-annotated.yaml');
    fs.writeFileSync(withAnnotation, fs.readFileSync(fnConfig, 'utf8').replace('  annotate: false\n', ''));
    const [b, r, a] = await Promise.all([
      run(KPT, ['fn', 'eval', base, '--exec', '/bin/cat'], { timeoutMs: 240_000 }),
      run(KPT, ['fn', 'eval', pkg, '--exec', CLI, '--fn-config', fnConfig], { timeoutMs: 240_000 }),
      run(KPT, ['fn', 'eval', annotated, '--exec', CLI, '--fn-config', withAnnotation], { timeoutMs: 240_000 }),
    ]);
    expect(b.code).toBe(0);
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    expect(a.code).toBe(0);
    const problems: string[] = [];
    let rewritten = 0;
    for (const f of kptFiles) {
      const want = fs.readFileSync(path.join(base, flat(f)), 'utf8');
      const back = restore(fs.readFileSync(path.join(pkg, flat(f)), 'utf8'));
      rewritten += back.count;
      if (back.count !== (plans.get(f) as Plan).rewrites) problems.push(`${f}: ${back.count} images rewritten, ${(plans.get(f) as Plan).rewrites} expected`);
      if (back.text !== want) problems.push(`${f}: differs from kpt's baseline outside the images`);
      // With the annotation (kpt's default use): the same tree plus the annotation on each rewritten resource.
      // (kpt writes `!!merge <<` keys, which js-yaml alone cannot read; reimage's reader can)
      const got = loadYamlValues(fs.readFileSync(path.join(annotated, flat(f)), 'utf8'));
      const plain = loadYamlValues(fs.readFileSync(path.join(pkg, flat(f)), 'utf8'));
      const found = stripAnnotations(f, got, plain, problems);
      if (JSON.stringify(got) !== JSON.stringify(plain)) problems.push(`${f}: with the annotation, kpt wrote a different tree`);
      if ((plans.get(f) as Plan).rewrites > 0 && found === 0) problems.push(`${f}: no annotation under kpt`);
    }
    expect(problems).toEqual([]);
    expect(rewritten).toBeGreaterThan(300);
  }, 300_000);

  test('a refused file under kpt: exit 1 and no file changed', async () => {
    const dir = path.join(tmp, 'kpt-refused');
    fs.mkdirSync(dir);
    const f = 'examples/_archived__openshift-origin__etcd-controller.yaml';
    const other = kptFiles[0] as string;
    fs.writeFileSync(path.join(dir, flat(other)), bytes.get(other) as Buffer);
    fs.writeFileSync(path.join(dir, flat(f)), bytes.get(f) as Buffer);
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', `static-json-mappings-file=${mappingsFile}`, 'verify-static-json-mappings=false', 'no-copy=true']);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(path.join(dir, flat(f))).equals(bytes.get(f) as Buffer)).toBe(true);
    expect(fs.readFileSync(path.join(dir, flat(other))).equals(bytes.get(other) as Buffer)).toBe(true);
  });
});

describe('kustomize 4.5.4', () => {
  /** Greedy groups in which no two resources share an id. */
  function groups(candidates: readonly string[]): string[][] {
    const out: Array<{ files: string[]; ids: Set<string> }> = [];
    for (const f of candidates) {
      const ids = (resourcesOf(f) ?? []).map((r) => r.id);
      if (new Set(ids).size !== ids.length) continue; // a file with duplicate ids cannot be built alone either
      let g = out.find((x) => ids.every((id) => !x.ids.has(id)) && x.files.length < 120);
      if (!g) out.push((g = { files: [], ids: new Set() }));
      g.files.push(f);
      for (const id of ids) g.ids.add(id);
    }
    return out.map((g) => g.files);
  }

  test('build output equals the build without the transformer, byte for byte, once the images are put back', async () => {
    const candidates = kptFiles.filter((f) => (resourcesOf(f) ?? []).length > 0);
    const problems: string[] = [];
    let built = 0;
    let rewritten = 0;
    let expected = 0;
    const fnConfig = `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./reimage-fn\nspec:\n  annotate: false\n  ignore: ${JSON.stringify(IGNORE)}\n  mappings:\n    static:\n      file: ${mappingsFile}\n      verify: false\n  copy:\n    disabled: true\n`;
    const gs = groups(candidates);
    await pool(gs, 2, async (g) => {
      const i = gs.indexOf(g);
      const dir = path.join(tmp, `kz-${i}`);
      fs.mkdirSync(dir);
      for (const f of g) fs.writeFileSync(path.join(dir, flat(f)), bytes.get(f) as Buffer);
      const resources = g.map((f) => `- ${flat(f)}`).join('\n');
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), `resources:\n${resources}\n`);
      const t0 = Date.now();
      const base = await run(KUSTOMIZE, ['build', dir], { timeoutMs: 240_000 });
      const t1 = Date.now();
      if (base.code !== 0) return void problems.push(`group ${i}: baseline build failed: ${base.stderr.split('\n')[0]}`);
      fs.symlinkSync(CLI, path.join(dir, 'reimage-fn'));
      fs.writeFileSync(path.join(dir, 'reimage.yaml'), fnConfig);
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), `resources:\n${resources}\ntransformers:\n- reimage.yaml\n`);
      const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', dir], { timeoutMs: 240_000 });
      if (process.env['REIMAGE_CORPUS_TIMES']) process.stderr.write(`group ${i}: ${g.length} files ${(bytes.get(g[0] as string) as Buffer).length}B.. baseline ${t1 - t0} ms, with reimage ${Date.now() - t1} ms\n`);
      if (r.code !== 0) return void problems.push(`group ${i}: build failed: ${r.stderr.split('\n')[0]}`);
      const back = restore(r.stdout);
      built += g.length;
      rewritten += back.count;
      expected += g.reduce((n, f) => n + (plans.get(f) as Plan).fields, 0);
      if (back.text !== base.stdout) problems.push(`group ${i} (${g.length} files): output differs from the baseline outside the images`);
    });
    expect(problems).toEqual([]);
    expect(rewritten).toBe(expected);
    expect(built).toBeGreaterThan(250);
  }, 600_000);
});

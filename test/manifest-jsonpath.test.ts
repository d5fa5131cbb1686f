/**
 * Rules in the Go reimage's jsonpath dialect (AsaiYusuke/jsonpath): queries without `$`, filters with its
 * semantics, Go's compile errors (TestCompileJSONImageFinders, translated), non-string matches failing the run,
 * and the node budget that stops alias bombs.
 */
import { compileRules, locateImages } from '../src/manifest';
import type { ImageRule } from '../src/manifest';
import { CLI, run, runCli } from './support/cli';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-jsonpath-'));

function find(query: string, obj: unknown): string[] {
  const rules = compileRules([{ kind: '', apiVersion: '', imageJSONP: [query] }]);
  return locateImages(obj, rules, 'k8s', { findPodSpecs: false }).map((f) => `${f.path.join('.')}=${JSON.stringify(f.value)}`);
}

// The Go tool's reimage_test.go TestCompileJSONImageFinders, case by case: compile errors verbatim, match counts.
describe('TestCompileJSONImageFinders', () => {
  const DefaultRulesConfigImageJSONP = '$.spec.image';
  const cases: Array<{ in: ImageRule[]; expectedErr: string; dataIn: Record<string, unknown> | null; expectCnt: number }> = [
    { in: [{ kind: '^(', apiVersion: '', imageJSONP: [] }], expectedErr: 'could not compile json matcher 0, failed to compile Kind regexp, error parsing regexp: missing closing ): `^(`', dataIn: null, expectCnt: 0 },
    { in: [{ kind: '', apiVersion: '^(', imageJSONP: [] }], expectedErr: 'could not compile json matcher 0, failed to compile APIVersion regexp, error parsing regexp: missing closing ): `^(`', dataIn: null, expectCnt: 0 },
    {
      in: [{ kind: '', apiVersion: '', imageJSONP: ['.. .. ..'] }],
      expectedErr: 'could not compile json matcher 0, failed to parse jsonpath expression ".. .. ..", invalid syntax (position=0, reason=unrecognized input, near=.. .. ..)',
      dataIn: null,
      expectCnt: 0,
    },
    {
      in: [{ kind: '^SomeCRD$', apiVersion: '^somestartup.io$', imageJSONP: [DefaultRulesConfigImageJSONP] }],
      expectedErr: '',
      dataIn: { kind: 'OtherCRD', apiVersion: 'somestartup.io', spec: { image: 'someimage' } },
      expectCnt: 0,
    },
    {
      in: [{ kind: '^SomeCRD$', apiVersion: '^somestartup.io$', imageJSONP: [DefaultRulesConfigImageJSONP] }],
      expectedErr: '',
      dataIn: { kind: 'SomeCRD', apiVersion: 'otherstartup.io', spec: { image: 'someimage' } },
      expectCnt: 0,
    },
    {
      in: [{ kind: '^SomeCRD$', apiVersion: '^somestartup.io$', imageJSONP: [DefaultRulesConfigImageJSONP] }],
      expectedErr: '',
      dataIn: { kind: 'SomeCRD', apiVersion: 'somestartup.io', spec: { image: 'someimage' } },
      expectCnt: 1,
    },
    {
      in: [{ kind: '^SomeCRD$', apiVersion: '^somestartup.io$', imageJSONP: [DefaultRulesConfigImageJSONP] }],
      expectedErr: '',
      dataIn: { kind: 'SomeCRD', apiVersion: 'somestartup.io', spec: {} },
      expectCnt: 0,
    },
  ];

  test.each(cases.map((c, i) => [i, c] as const))('%i', (_i, tt) => {
    if (tt.expectedErr !== '') {
      // The port prefixes where the rule came from; the rest is the Go tool's error text.
      expect(() => compileRules(tt.in)).toThrow(`rules-config rule 0: ${tt.expectedErr}`);
      return;
    }
    const rules = compileRules(tt.in);
    expect(locateImages(tt.dataIn, rules, 'k8s')).toHaveLength(tt.expectCnt);
  });
});

describe('queries without a leading $', () => {
  const obj = { spec: { image: 'a', list: [{ image: 'b' }, { image: 'c' }] } };
  test.each([
    ['spec.image', ['spec.image="a"']],
    ['.spec.image', ['spec.image="a"']],
    ["['spec']['image']", ['spec.image="a"']],
    ['spec.list[*].image', ['spec.list.0.image="b"', 'spec.list.1.image="c"']],
    ['spec.list[-1].image', ['spec.list.1.image="c"']],
    ['..image', ['spec.image="a"', 'spec.list.0.image="b"', 'spec.list.1.image="c"']],
    ['spec.nope', []],
  ])('%s', (q, want) => {
    expect(find(q, obj)).toEqual(want);
  });
});

describe('filters, with the Go library semantics', () => {
  const obj = {
    spec: {
      containers: [
        { name: 'app', image: 'app:1', port: 8080, ready: true },
        { name: 'sidecar', image: 'gcr.io/proxy:2', port: '8080', ready: false },
        { name: 'tools', image: 'quay.io/tools:3', extra: null },
      ],
      wanted: 'sidecar',
    },
  };
  const images = (q: string): string[] => find(q, obj).map((s) => s.replace(/^.*=/, ''));
  test.each([
    ["spec.containers[?(@.name == 'app')].image", ['"app:1"']],
    ['spec.containers[?(@.name=="sidecar")].image', ['"gcr.io/proxy:2"']],
    ["spec.containers[?(@.name != 'app')].image", ['"gcr.io/proxy:2"', '"quay.io/tools:3"']],
    // Types must agree: the string "8080" is not the number 8080.
    ['spec.containers[?(@.port == 8080)].image', ['"app:1"']],
    ["spec.containers[?(@.port == '8080')].image", ['"gcr.io/proxy:2"']],
    ['spec.containers[?(@.port > 8000)].image', ['"app:1"']],
    ['spec.containers[?(@.port >= 8080 && @.ready == true)].image', ['"app:1"']],
    ["spec.containers[?(@.name == 'app' || @.name == 'tools')].image", ['"app:1"', '"quay.io/tools:3"']],
    // Existence: a member that is there counts, even when null or false.
    ['spec.containers[?(@.extra)].image', ['"quay.io/tools:3"']],
    ['spec.containers[?(@.ready)].image', ['"app:1"', '"gcr.io/proxy:2"']],
    ['spec.containers[?(!@.ready)].image', ['"quay.io/tools:3"']],
    // A missing member: comparisons are false, so != is true.
    ['spec.containers[?(@.port != 8080)].image', ['"gcr.io/proxy:2"', '"quay.io/tools:3"']],
    // Go regexps, on re2js.
    ['spec.containers[?(@.image =~ /^(?:gcr|quay)\\.io\\//)].name', ['"sidecar"', '"tools"']],
    ['spec.containers[?(@.name =~ /(?i)^APP$/)].image', ['"app:1"']],
    // The root in a filter.
    ['$.spec.containers[?(@.name == $.spec.wanted)].image', ['"gcr.io/proxy:2"']],
    ['spec.containers[?((@.name == "app"))].image', ['"app:1"']],
  ])('%s', (q, want) => {
    expect(images(q)).toEqual(want);
  });

  test('a filter cannot call anything: method calls are a syntax error', () => {
    expect(() => compileRules([{ kind: '', apiVersion: '', imageJSONP: ['spec.containers[?(@.name.startsWith("a"))].image'] }])).toThrow(/functions are not supported|unrecognized input/);
    expect(() => compileRules([{ kind: '', apiVersion: '', imageJSONP: ['spec.containers[?(constructor)].image'] }])).toThrow(/unrecognized input/);
  });
});

describe('a query that reaches a non-string fails the run, naming the resource and the path', () => {
  test('$.spec.containers where $.spec.containers[*].image was meant', async () => {
    const rules = path.join(dir, 'rules.yaml');
    fs.writeFileSync(rules, '- kind: ^Widget$\n  apiVersion: ^example\\.com/\n  imageJSONP: [$.spec.containers]\n');
    const doc = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  containers:\n  - {name: a, image: "nginx:1"}\n';
    const r = await runCli(['-rules-config', rules, '-find-podspecs=false', '-no-copy'], doc);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`[error] example.com/v1/Widget/w spec.containers: image must be a string, got a list (found by rules-config ${rules} rule 0 (kind ^Widget$): $.spec.containers)`);
  });
});

describe('alias bombs fail fast, naming the document, in bounded memory', () => {
  /** A List whose items are Lists of 9 aliases of the level below, 9 levels deep: 9^9 Pods from under 1 KB. */
  function listBomb(): string {
    const lines = ['apiVersion: v1', 'kind: List', 'metadata: {name: bomb}', 'x:', '- &a0 {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: nginx}]}}'];
    for (let i = 1; i <= 9; i++) lines.push(`- &a${i} {apiVersion: v1, kind: List, items: [${Array(9).fill(`*a${i - 1}`).join(',')}]}`);
    lines.push('items: [*a9]');
    return lines.join('\n') + '\n';
  }
  /** Nine levels of nine aliases: 9^9 scalars from a few hundred bytes. */
  function scalarBomb(): string {
    const lines = ['apiVersion: example.com/v1', 'kind: Bomb', 'metadata: {name: b}', 'spec:', '  a0: &a0 [x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i <= 9; i++) lines.push(`  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    return lines.join('\n') + '\n';
  }
  // Run with a small heap: a walk that expanded the aliases would die of it instead of giving this error.
  const cli = (args: string[], stdin: string) => run(process.execPath, ['--max-old-space-size=96', CLI, ...args], { stdin, timeoutMs: 20_000 });

  test('through Lists with the default rules', async () => {
    const bomb = listBomb();
    expect(bomb.length).toBeLessThan(1000);
    const r = await cli(['-no-copy'], bomb);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^reimage: error: stdin document 0 \(v1\/List\/bomb\): refusing to walk a document that expands to more than \d+ nodes from \d+ characters of YAML: aliases repeat nodes \(an alias bomb\?\)\n$/);
  });

  test('a $..* rule', async () => {
    const bomb = scalarBomb();
    expect(bomb.length).toBeLessThan(600);
    const rules = path.join(dir, 'star.yaml');
    fs.writeFileSync(rules, '- {kind: ^Bomb$, apiVersion: "", imageJSONP: ["$..*"]}\n');
    const r = await cli(['-no-copy', '-rules-config', rules], bomb);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/stdin document 0 \(example\.com\/v1\/Bomb\/b\): refusing to walk a document that expands/);
  });

  test('-list-images too', async () => {
    const r = await cli(['-list-images'], listBomb());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('alias bomb');
  });

  test('ordinary aliases stay well inside the budget', () => {
    const anchored = { apiVersion: 'v1', kind: 'List', items: Array(50).fill({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', image: 'nginx' }] } }) };
    expect(locateImages(anchored, compileRules([]), 'k8s', { sourceSize: 2_000 })).toHaveLength(50);
  });
});

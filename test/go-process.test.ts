/**
 * The Go reimage's TestProcess_* cases (reimage_test.go in cerbos/reimage), translated to the real CLI.
 * The Go tests call ProcessK8s with a test Updater; here the updater is the remap chain with static mappings,
 * and "Update was called" shows as the resource's image being rewritten.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from './support/cli';

const M = path.join(ROOT, 'examples', 'mappings.json');
const OFFLINE = ['-static-json-mappings-file', M, '-verify-static-json-mappings=false', '-no-copy'];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-goprocess-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const unknownK8s = '\napiVersion: somevendor.io\nkind: SomeCRDInstance\nspec:\n  stuff: here';

test('TestProcess_invalid_yaml: text that is not YAML fails', async () => {
  const r = await runCli(OFFLINE, '\n\t-- not even vaguely yaml --\n');
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^reimage: error: stdin: document 0 \(line 2, column 2\): /);
});

test('TestProcess_empty_yamls: empty documents (as Helm templates produce) parse and pass through', async () => {
  const r = await runCli(OFFLINE, '\n---\n---\n');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('\n---\n---\n');
});

test('TestProcess_nonk8s: YAML that is not a Kubernetes object is passed on', async () => {
  const r = await runCli(OFFLINE, '\n---\nnoKind: nonehere\n');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('\n---\nnoKind: nonehere\n');
});

test('TestProcess_unknownk8s: an unknown kind is passed on unchanged', async () => {
  const r = await runCli(OFFLINE, unknownK8s);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(unknownK8s.trim());
});

test('TestProcess_unknownk8s: the unknown kind reaches the updater once (a rule for it rewrites its field once)', async () => {
  const rules = path.join(dir, 'rules.yaml');
  fs.writeFileSync(rules, '- kind: ^SomeCRDInstance$\n  apiVersion: ^somevendor\\.io$\n  imageJSONP: ["$.spec.stuff"]\n');
  const mappings = path.join(dir, 'here.json');
  fs.writeFileSync(mappings, JSON.stringify({ here: { tag: 'registry.example.com/here:1', digest: `sha256:${'a'.repeat(64)}` } }));
  const r = await runCli(['-static-json-mappings-file', mappings, '-verify-static-json-mappings=false', '-no-copy', '-rules-config', rules, '-annotate=false', '-debug'], unknownK8s);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(unknownK8s.replace('stuff: here', 'stuff: registry.example.com/here:1'));
  expect(r.stderr.match(/rewritten to/g)).toHaveLength(1);
});

test('TestProcess_fail_on_err: an updater error fails the run, and nothing is printed', async () => {
  const r = await runCli(OFFLINE, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: not-in-the-mappings:1\n');
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^\[error\] v1\/Pod\/p spec\.containers\[0\]\.image: .*not-in-the-mappings:1/);
});

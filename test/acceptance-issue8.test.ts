/**
 * QA pass on issue 8 from the outside, through the built CLI: variations the issue does not spell out, each
 * asserting exit code, empty stdout, one message line naming the place, no file changed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from './support/cli';

const M = path.join(ROOT, 'examples', 'mappings.json');
const OFFLINE = ['-static-json-mappings-file', M, '-verify-static-json-mappings=false', '-no-copy'];
const pod = (image: string, name = 'p'): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: a\n    image: ${image}\n`;

async function refused(args: string[], stdin: string | Buffer, message: RegExp): Promise<void> {
  const r = await runCli(args, stdin);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('level='));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-qa8-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('item 14 for every YAML input: a deep -rules-config names its line, no stack overflow', () => {
  test('10k-deep flow sequence', async () => {
    const file = path.join(dir, 'deep-rules.yaml');
    fs.writeFileSync(file, `x: ${'['.repeat(10000)}${']'.repeat(10000)}\n`);
    await refused(['-rules-config', file, ...OFFLINE], pod('nginx:1.27'), /^reimage: error: rules-config .*deep-rules\.yaml: invalid YAML: document 0 \(line 1, column \d+\): nesting deeper than 1000 levels$/);
  });

  test('duplicate keys in a rules file name the key and both lines', async () => {
    const file = path.join(dir, 'dup-rules.yaml');
    fs.writeFileSync(file, '- kind: a\n  apiVersion: b\n  kind: c\n');
    await refused(['-rules-config', file, ...OFFLINE], pod('nginx:1.27'), /rules-config .*dup-rules\.yaml: invalid YAML: .*line 3.*"kind" already defined at line 1/);
  });
});

describe('item 9 beyond endpoint flags: scanner options that carry secrets are not echoed', () => {
  test('a failing -vulncheck-command shows --token, --x-password=, --custom-headers values as ***', async () => {
    const scanner = path.join(ROOT, 'test', 'support', 'scanner.js');
    const cmd = `${process.execPath} ${scanner} --mode nonjson --server http://u:S3CRET@h --token S3CRET --registry-password=S3CRET --custom-headers 'Authorization: Bearer S3CRET'`;
    const args = [...OFFLINE, '-vulncheck-max-cvss', '7', '-vulncheck-format', 'trivy-json', '-vulncheck-command', cmd];
    const r = await runCli(args, pod('nginx:1.27'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--token \*\*\* --registry-password=\*\*\* --custom-headers \*\*\*/);
    expect(r.stderr).not.toContain('S3CRET');
  });
});

describe('item 20 for ResourceLists: a JSON ResourceList comes back as JSON, results included', () => {
  test('pretty-printed JSON ResourceList', async () => {
    const rl = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } }] };
    const r = await runCli(OFFLINE, JSON.stringify(rl, null, 2));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { items: Array<{ metadata: { annotations: Record<string, string> } }>; results: Array<{ message: string }> };
    expect(out.results).toHaveLength(1);
    expect(out.results[0]?.message).toMatch(/^image nginx:1\.27 rewritten to /);
    expect(Object.keys(out.items[0]?.metadata.annotations ?? {})).toEqual(['reimage.dev/mappings']);
  });
});

describe('item 2 variations: replacing a mappings file loses nothing about it', () => {
  test('an existing file keeps its permissions (0664 stays 0664)', async () => {
    const file = path.join(dir, 'kept-mode.json');
    fs.writeFileSync(file, '{}\n');
    fs.chmodSync(file, 0o664);
    const r = await runCli([...OFFLINE, '-write-json-mappings-file', file], pod('nginx:1.27'));
    expect(r.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain('nginx:1.27');
    expect(fs.statSync(file).mode & 0o777).toBe(0o664);
  });

  test('a dangling symlink is written through to its target, never replaced by a file', async () => {
    const link = path.join(dir, 'dangling.json');
    fs.symlinkSync('dangling-target.json', link);
    const r = await runCli([...OFFLINE, '-write-json-mappings-file', link], pod('nginx:1.27'));
    expect(r.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'dangling-target.json'), 'utf8')).toContain('nginx:1.27');
  });

  test('a dangling symlink into a missing directory fails naming the flag and the path; the link stays', async () => {
    const link = path.join(dir, 'dangling-missing.json');
    fs.symlinkSync(path.join(dir, 'no-such-dir', 'x.json'), link);
    await refused([...OFFLINE, '-write-json-mappings-file', link], pod('nginx:1.27'), /^reimage: error: -write-json-mappings-file: cannot write .*dangling-missing\.json: no such file or directory \(ENOENT\)$/);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe('item 7 variation: one image mapped twice in a mappings file', () => {
  const D1 = `sha256:${'1'.repeat(64)}`;
  const D2 = `sha256:${'2'.repeat(64)}`;
  const args = (file: string): string[] => ['-static-json-mappings-file', file, '-verify-static-json-mappings=false', '-no-copy', '-rename-force-digest'];

  test('with different digests (JSON.parse would keep the last silently) is refused', async () => {
    const file = path.join(dir, 'dup-contradict.json');
    fs.writeFileSync(file, `{"nginx:1.27": {"tag": "r.example/nginx:1.27", "digest": "${D1}"},\n "nginx:1.27": {"tag": "r.example/nginx:1.27", "digest": "${D2}"}}\n`);
    await refused(args(file), pod('nginx:1.27'), /^reimage: error: .*dup-contradict\.json: mapping "nginx:1\.27" appears twice with different entries/);
  });

  test('the same entry twice, keys in another order, is fine', async () => {
    const file = path.join(dir, 'dup-same.json');
    fs.writeFileSync(file, `{"nginx:1.27": {"tag": "r.example/nginx:1.27", "digest": "${D1}"}, "nginx:1.27": {"digest": "${D1}", "tag": "r.example/nginx:1.27"}}`);
    const r = await runCli(args(file), pod('nginx:1.27'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: r.example/nginx@${D1}`);
  });
});

describe('item 9 for image strings: userinfo written into an image is never echoed', () => {
  test.each([['filter', false], ['KRM', true]])('%s mode', async (_mode, krm) => {
    const image = 'user:PASS@registry.example.com/app:v1';
    const doc = pod(image);
    const stdin = krm ? `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ${doc.trimEnd().split('\n').join('\n  ')}\n` : doc;
    const r = await runCli(['-rename-force-digest', '-debug'], stdin);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('***@registry.example.com/app:v1');
    expect(r.stderr).not.toContain('PASS');
  });
});

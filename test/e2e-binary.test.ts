/**
 * The single executable (npm run binary: esbuild bundle + Node SEA) on its own: copied to a directory with no
 * node_modules and no package.json near it, it answers --version with package.json's version, rewrites offline,
 * pins against a real registry, and runs as the kustomize exec function of examples/kustomize.
 * (REIMAGE_TEST_CLI=dist/reimage runs every CLI suite against it; see test/support/cli.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KUSTOMIZE, ROOT, run, runCli } from './support/cli';
import { ensureBinary } from './support/forms';
import { inspectRaw, pushTestImage } from './support/images';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';
import { makeTempDir } from './support/tmp';

jest.setTimeout(120_000);

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const MAPPINGS = path.join(ROOT, 'examples', 'mappings.json');
let lone: string; // the binary, alone in an empty directory
let reg: TestRegistry;

beforeAll(async () => {
  const built = await ensureBinary();
  const dir = await makeTempDir('reimage-binary-');
  lone = path.join(dir, 'reimage');
  fs.copyFileSync(built, lone);
  fs.chmodSync(lone, 0o755);
  reg = await startRegistry();
}, 300_000);
afterAll(async () => {
  await reg?.stop();
});

// cwd is the empty directory too, and NODE_PATH is cleared: nothing can be resolved from a node_modules tree.
const runLone = (args: string[], stdin = ''): ReturnType<typeof run> =>
  run(lone, args, { stdin, cwd: path.dirname(lone), env: { NODE_PATH: '', NODE_OPTIONS: '' } });

test('--version matches package.json and --help works, with no node_modules anywhere near', async () => {
  const v = await runLone(['--version']);
  expect(v.code).toBe(0);
  expect(v.stdout).toBe(`reimage ${VERSION}\n`);
  const h = await runLone(['--help']);
  expect(h.code).toBe(0);
  // laid out like a kpt function catalog page
  const sections = ['Usage:', 'FunctionConfig:', 'General:', 'Examples:'].map((t) => h.stdout.indexOf(`\n${t}\n`));
  expect(sections.every((i) => i > 0)).toBe(true);
  expect([...sections].sort((a, b) => a - b)).toEqual(sections);
  expect(h.stdout).toMatch(/^ {4}rename-remote-path +spec\.rename\.remotePath$/m);
});

test('offline filter mode gives the same bytes as the node CLI', async () => {
  const input = fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8');
  const args = ['-static-json-mappings-file', MAPPINGS, '-verify-static-json-mappings=false', '-no-copy'];
  const bin = await runLone(args, input);
  const node = await runCli(args, input);
  expect(bin.code).toBe(0);
  expect(node.code).toBe(0);
  expect(bin.stdout).toBe(node.stdout);
  expect(bin.stdout).not.toBe(input);
});

test('pins, renames and copies against a real registry (the lazily loaded registry client is in the bundle)', async () => {
  const img = await pushTestImage(reg, 'team/app', '1.0', { platforms: 2 });
  const r = await runLone(['-rename-remote-path', `${reg.host}/mirror`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}', '-rename-force-digest'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${img.ref}\n`);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`image: ${reg.host}/mirror/team/app@${img.digest}`);
  expect((await inspectRaw(reg, `${reg.host}/mirror/team/app:${img.digest.slice(7)}`)).digest).toBe(img.digest);
});

test('a bad flag fails with the one-line error and no stdout', async () => {
  const r = await runLone(['-no-such-flag']);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('no-such-flag');
});

test('examples/kustomize runs the binary as its exec function', async () => {
  const dir = await makeTempDir('reimage-kustomize-bin-');
  // the example's launcher looks for ../../dist/reimage: lay the copy out the same way
  const pkg = path.join(dir, 'examples', 'kustomize');
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(lone, path.join(dir, 'dist', 'reimage'));
  fs.chmodSync(path.join(dir, 'dist', 'reimage'), 0o755);
  fs.cpSync(path.join(ROOT, 'examples', 'kustomize'), pkg, { recursive: true });
  fs.copyFileSync(MAPPINGS, path.join(dir, 'examples', 'mappings.json'));
  const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', pkg], { env: { PATH: '/usr/bin:/bin' } });
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('registry.example.com/mirror/index.docker.io/library/nginx:');
});

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
import { expectGrafeasGateFails } from './support/grafeas-server';
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
  const sections = ['Usage:', 'FunctionConfig:', 'General:', 'Environment:', 'Examples:'].map((t) => h.stdout.indexOf(`\n${t}\n`));
  expect(sections.every((i) => i > 0)).toBe(true);
  expect([...sections].sort((a, b) => a - b)).toEqual(sections);
  expect(h.stdout).toMatch(/^ {4}rename-remote-path +spec\.rename\.remotePath$/m);
  expect(h.stdout).toMatch(/^ {2}HTTPS_PROXY, HTTP_PROXY, NO_PROXY/m);
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

test('gates on Grafeas with the Google clients read from the binary\'s asset (scripts/bundle.js bundles them apart)', async () => {
  const img = await pushTestImage(reg, 'team/scanned', '1.0', { platforms: 1 });
  await expectGrafeasGateFails(img.digestRef, (args) => runLone(args, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${img.ref}\n`));
});

test('a bad flag fails with the one-line error and no stdout', async () => {
  const r = await runLone(['-no-such-flag']);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('no-such-flag');
});

describe('lazy loading survives bundling', () => {
  // The bundle's start-up may require no more of Node than the tsc build does: a heavy client evaluated at start
  // (grpc-js needs http2, undici net and tls) would show up as an extra built-in.
  const BUNDLE = path.join(ROOT, 'dist', 'bundle', 'reimage.js');
  const TRACE = path.join(ROOT, 'test', 'support', 'trace-builtins.js');
  async function builtins(entry: string, args: string[], stdin: string): Promise<string[]> {
    const file = path.join(await makeTempDir('reimage-trace-'), 'builtins.txt');
    // REIMAGE_BUNDLE=0: the tsc build's own modules, not the bundle dist/cli/main.js would run
    const r = await run(process.execPath, ['-r', TRACE, entry, ...args], { stdin, env: { TRACE_BUILTINS_FILE: file, REIMAGE_BUNDLE: '0' } });
    expect(r.code).toBe(0);
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  }
  const input = (): string => fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8');
  const offline = ['-static-json-mappings-file', MAPPINGS, '-verify-static-json-mappings=false', '-no-copy'];

  test.each([
    ['--version', ['--version'], false],
    ['an offline rewrite', offline, true],
  ])('%s', async (_name, args, withInput) => {
    const fromBundle = await builtins(BUNDLE, args as string[], withInput ? input() : '');
    const fromBuild = await builtins(path.join(ROOT, 'dist', 'cli', 'main.js'), args as string[], withInput ? input() : '');
    expect(fromBundle.filter((b) => !fromBuild.includes(b))).toEqual([]);
    expect(fromBundle).not.toContain('http2');
    expect(fromBundle).not.toContain('tls');
  });

  test('a pin and copy between plain-HTTP loopback registries loads no node:tls (the ping sniffs for TLS)', async () => {
    const img = await pushTestImage(reg, 'team/plain', '1.0', { platforms: 1 });
    const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${img.ref}\n`;
    const used = await builtins(path.join(ROOT, 'dist', 'cli', 'main.js'), ['-rename-remote-path', `${reg.host}/copied`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1'], pod);
    expect(used).toContain('net');
    expect(used).not.toContain('tls');
  });

  test('the trace sees a heavy client when one is loaded', async () => {
    const file = path.join(await makeTempDir('reimage-trace-'), 't.txt');
    const r = await run(process.execPath, ['-r', TRACE, '-e', 'require("@grpc/grpc-js")'], { env: { TRACE_BUILTINS_FILE: file } });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toContain('http2');
  });
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

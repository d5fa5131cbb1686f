/**
 * The container form end to end: the image `npm run image` builds (podman, offline), run by the real kpt
 * (fn eval --image, fn render with a Kptfile pipeline) and kustomize 4.5.4 (container: through a docker shim that
 * execs podman), against real registries on 127.0.0.1. kpt's --network and kustomize's network: true run the
 * container with --network host, which is what lets it reach a registry on the host's loopback. Registry
 * credentials come from a docker config mounted into the container. Every output is compared with filter mode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KPT, KUSTOMIZE, ROOT, run, runCli } from './support/cli';
import { ensureImage, podmanEnv } from './support/forms';
import { inspectRaw, pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { expectGrafeasGateFails } from './support/grafeas-server';
import { startRegistry, writeDockerConfig } from './support/registry';
import type { TestRegistry } from './support/registry';
import { makeTempDir } from './support/tmp';
import { deployments } from './support/manifests';

jest.setTimeout(180_000);

const TEMPLATE = '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}';
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let image: string;
let priv: TestRegistry; // htpasswd: reachable only with the mounted credentials
let open: TestRegistry; // no auth (kpt render cannot mount files)
let dst: TestRegistry;
let privApp: PushedImage;
let openApp: PushedImage;
let openTool: PushedImage;
let tmp: string;
let dockerConfig: string;
const env = (): NodeJS.ProcessEnv => podmanEnv();

beforeAll(async () => {
  const built = await ensureImage();
  image = built.image;
  process.stderr.write(`e2e-container: npm run image took ${built.seconds.toFixed(1)} s\n`);
  [priv, open, dst] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry(), startRegistry()]);
  [privApp, openApp, openTool] = await Promise.all([
    pushTestImage(priv, 'team/app', '1.0', { platforms: 2 }),
    pushTestImage(open, 'team/app', '1.0', { platforms: 2 }),
    pushTestImage(open, 'team/tool', '2.0', { platforms: 1, format: 'v2s2' }),
  ]);
  tmp = await makeTempDir('reimage-e2e-container-');
  // kpt runs the function as nobody: the mounted config must be readable by uid 65534.
  dockerConfig = await writeDockerConfig([priv], path.join(tmp, 'docker'));
  fs.chmodSync(dockerConfig, 0o755);
  fs.chmodSync(path.join(dockerConfig, 'config.json'), 0o644);
}, 900_000);
afterAll(async () => {
  await Promise.all([priv?.stop(), open?.stop(), dst?.stop()]);
});

const manifest = deployments;

const hex = (digest: string): string => digest.slice('sha256:'.length);

function pkg(name: string, text: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'app.yaml'), text);
  return dir;
}

const mount = (src: string, dst: string): string => `type=bind,src=${src},dst=${dst},rw=false`;

describe('the image', () => {
  test('runs as non-root, has nobody in /etc/passwd, and answers --help and --version with no network', async () => {
    const user = await run('podman', ['image', 'inspect', '--format', '{{.Config.User}}', image], { env: env() });
    expect(user.stdout.trim()).toBe('65534:65534');
    const passwd = await run('podman', ['run', '--rm', '--network', 'none', '--entrypoint', 'node', image, '-e', 'process.stdout.write(require("fs").readFileSync("/etc/passwd","utf8")+process.getuid())'], { env: env() });
    expect(passwd.stdout).toMatch(/^nobody:x:65534:65534:/m);
    expect(passwd.stdout.trim().endsWith('65534')).toBe(true);
    const help = await run('podman', ['run', '--rm', '-i', '--network', 'none', image, '--help'], { env: env() });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:/m);
    expect(help.stdout).toContain('-rename-remote-path');
    const version = await run('podman', ['run', '--rm', '-i', '--network', 'none', image, '--version'], { env: env() });
    expect(version.stdout.trim()).toBe(`reimage ${VERSION}`);
    const tagged = await run('podman', ['image', 'exists', `localhost/reimage:${VERSION}`], { env: env() });
    expect(tagged.code).toBe(0);
  });

  test('a Grafeas gate loads the Google clients from /app/google.js beside the bundle', async () => {
    await expectGrafeasGateFails(openTool.digestRef, (args) =>
      run('podman', ['run', '--rm', '-i', '--network', 'host', '-e', 'METADATA_SERVER_DETECTION=none', image, ...args], { stdin: manifest([openTool.ref]), env: env() }),
    );
  });

  test('kpt fn doc --image prints the catalog-shaped --help', async () => {
    const r = await run(KPT, ['fn', 'doc', '--image', image], { env: env() });
    expect(r.code).toBe(0);
    const direct = await run('podman', ['run', '--rm', '-i', '--network', 'none', image, '--help'], { env: env() });
    expect(r.stdout.trimEnd()).toBe(direct.stdout.trimEnd()); // kpt adds a line break
    for (const section of ['Usage:', 'FunctionConfig:', 'Examples:']) expect(r.stdout).toContain(`\n${section}\n`);
  });

  test('the V8 code cache made at build time is accepted by the image\'s entry (same node, same V8 flags)', async () => {
    const r = await run('podman', ['run', '--rm', '--network', 'none', '-e', 'REIMAGE_DEBUG_CODE_CACHE=1', image, '--version'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('reimage: code cache used');
    // and V8 refuses it under other flags, which is why the entry sets the bundle's flags before compiling
    const other = await run('podman', ['run', '--rm', '--network', 'none', '-e', 'REIMAGE_DEBUG_CODE_CACHE=1', '--entrypoint', 'node', image, '--max-lazy', '/app/main.js', '--version'], { env: env() });
    expect(other.stderr).toContain('reimage: code cache rejected');
    expect(other.stdout).toBe(r.stdout);
  });
});

describe('kpt fn eval --image', () => {
  test('--fn-config, --network and a mounted docker config: pins, renames and copies from an authenticated registry', async () => {
    const input = manifest([privApp.ref]);
    const dir = pkg('eval-fnconfig', input);
    const cfg = path.join(tmp, 'fn-config.yaml');
    fs.writeFileSync(
      cfg,
      `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\nspec:\n  rename:\n    remotePath: ${dst.host}/fnconfig\n    template: "${TEMPLATE}"\n    forceDigest: true\n`,
    );
    const r = await run(KPT, ['fn', 'eval', dir, '--image', image, '--image-pull-policy', 'never', '--network', '--mount', mount(dockerConfig, '/home/node/.docker'), '--fn-config', cfg], { env: env() });
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    const out = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    expect(out).toContain(`image: ${dst.host}/fnconfig/team/app@${privApp.digest} # keep me`);
    expect((await inspectRaw(dst, `${dst.host}/fnconfig/team/app:${hex(privApp.digest)}`)).digest).toBe(privApp.digest);

    const filter = await runCli(['-rename-remote-path', `${dst.host}/fnconfig`, '-rename-template', TEMPLATE, '-rename-force-digest'], input, { env: { DOCKER_CONFIG: dockerConfig } });
    expect(filter.code).toBe(0);
    expect(out).toBe(filter.stdout);
  });

  test('-- key=value settings (a ConfigMap) work the same', async () => {
    const input = manifest([privApp.ref]);
    const dir = pkg('eval-kv', input);
    const r = await run(
      KPT,
      ['fn', 'eval', dir, '--image', image, '--image-pull-policy', 'never', '--network', '--mount', mount(dockerConfig, '/home/node/.docker'), '--', `rename-remote-path=${dst.host}/kv`, `rename-template=${TEMPLATE}`, 'rename-force-digest=true'],
      { env: env() },
    );
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toContain(`image: ${dst.host}/kv/team/app@${privApp.digest} # keep me`);
    expect((await inspectRaw(dst, `${dst.host}/kv/team/app:${hex(privApp.digest)}`)).digest).toBe(privApp.digest);
  });

  test('without the mounted credentials the registry refuses, kpt fails and the package is untouched', async () => {
    const input = manifest([privApp.ref]);
    const dir = pkg('eval-nocreds', input);
    const r = await run(KPT, ['fn', 'eval', dir, '--image', image, '--image-pull-policy', 'never', '--network', '--truncate-output=false'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[FAIL]');
    expect(r.stderr).toMatch(/apps\/v1\/Deployment\/d0 spec\.template\.spec\.containers\[0\]\.image: .*(401|unauthorized|UNAUTHORIZED)/i);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(input);
  });

  test('offline (static mappings mounted, no --network flag) rewrites from the mappings alone', async () => {
    const input = manifest(['nginx:1.27', 'ghcr.io/example/migrate:v1.4.0']);
    const dir = pkg('eval-offline', input);
    const mappings = path.join(ROOT, 'examples', 'mappings.json');
    const args = ['static-json-mappings-file=/config/mappings.json', 'verify-static-json-mappings=false', 'no-copy=true'];
    const r = await run(KPT, ['fn', 'eval', dir, '--image', image, '--image-pull-policy', 'never', '--mount', mount(mappings, '/config/mappings.json'), '--', ...args], { env: env() });
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    const filter = await runCli(['-static-json-mappings-file', mappings, '-verify-static-json-mappings=false', '-no-copy'], input);
    expect(filter.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(filter.stdout);
    expect(filter.stdout).not.toBe(input);
  });
});

describe('kpt fn render', () => {
  test('the image in a Kptfile pipeline, with --allow-network', async () => {
    const input = manifest([openApp.ref, openTool.ref]);
    const dir = pkg('render', input);
    fs.writeFileSync(
      path.join(dir, 'Kptfile'),
      `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: render\npipeline:\n  mutators:\n  - image: ${image}\n    configMap:\n      rename-remote-path: ${dst.host}/render\n      rename-template: "${TEMPLATE}"\n`,
    );
    const r = await run(KPT, ['fn', 'render', dir, '--allow-network', '--image-pull-policy', 'never'], { env: env() });
    expect(r.stderr).toMatch(/\[PASS\]/);
    expect(r.code).toBe(0);
    const filter = await runCli(['-rename-remote-path', `${dst.host}/render`, '-rename-template', TEMPLATE], input);
    expect(filter.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(filter.stdout);
    expect((await inspectRaw(dst, `${dst.host}/render/team/tool:${hex(openTool.digest)}`)).digest).toBe(openTool.digest);
  });
});

describe('kustomize 4.5.4 container:', () => {
  function kustomization(name: string, input: string, spec: string, network: boolean): string {
    const dir = pkg(name, input);
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [app.yaml]\ntransformers: [reimage.yaml]\n');
    fs.writeFileSync(
      path.join(dir, 'reimage.yaml'),
      `apiVersion: fn.reimage.dev/v1alpha1\nkind: ReImage\nmetadata:\n  name: reimage\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: ${image}\n${network ? '        network: true\n' : ''}spec:\n${spec}`,
    );
    return dir;
  }

  test('build --enable-alpha-plugins --network renames and copies, as filter mode does', async () => {
    const input = manifest([openApp.ref, openTool.ref]);
    const dir = kustomization('kustomize', input, `  rename:\n    remotePath: ${dst.host}/kustomize\n    template: "${TEMPLATE}"\n    forceDigest: true\n`, true);
    const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--network', dir], { env: env() });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${dst.host}/kustomize/team/app@${openApp.digest}`);
    expect((await inspectRaw(dst, `${dst.host}/kustomize/team/tool:${hex(openTool.digest)}`)).digest).toBe(openTool.digest);
    // kustomize re-serialises (comments dropped, keys sorted); compare documents with filter mode's.
    const filter = await runCli(['-rename-remote-path', `${dst.host}/kustomize`, '-rename-template', TEMPLATE, '-rename-force-digest', '-no-copy'], input);
    const plain = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--network', kustomization('kustomize-filter', filter.stdout, '  ignore: .\n', true)], { env: env() });
    expect(plain.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
  });

  test('build --mount hands the function a docker config: pins from the authenticated registry', async () => {
    // kustomize 4.5.4 ignores mounts in the function annotation; its --mount flag is what reaches docker run.
    const input = manifest([privApp.ref]);
    const dir = kustomization('kustomize-auth', input, `  rename:\n    remotePath: ${dst.host}/kauth\n    template: "${TEMPLATE}"\n    forceDigest: true\n`, true);
    const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--network', '--mount', mount(dockerConfig, '/home/node/.docker'), dir], { env: env() });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${dst.host}/kauth/team/app@${privApp.digest}`);
    const without = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--network', dir], { env: env() });
    expect(without.code).not.toBe(0);
    expect(without.stdout).toBe('');
  });

  test('a bad image fails the build with reimage\'s error and no output', async () => {
    const dir = kustomization('kustomize-bad', manifest([`${open.host}/team/absent:1`]), '  dryRun: false\n', true);
    const r = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--network', dir], { env: env() });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${open.host}/team/absent:1`);
  });
});

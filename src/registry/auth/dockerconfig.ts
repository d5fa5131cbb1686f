import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ReimageError } from '../../util/errors';

export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths: Record<string, DockerAuthEntry>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

/** Docker Hub's credentials live under this key, not under its hostname. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

export function dockerConfigDir(override?: string): string {
  return override ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

/** Reads `<dir>/config.json`; a missing file is an empty config, a malformed one an error. */
export async function loadDockerConfig(dir: string): Promise<DockerConfig> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return { auths: {}, credHelpers: {} };
    throw new ReimageError(`reading docker config ${file}`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // The parser's message may quote the file (and so a secret): keep only the file name.
    throw new ReimageError(`parsing docker config ${file}: not valid JSON`);
  }
  const obj = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const auths = typeof obj.auths === 'object' && obj.auths !== null ? (obj.auths as Record<string, DockerAuthEntry>) : {};
  const credHelpers = typeof obj.credHelpers === 'object' && obj.credHelpers !== null ? (obj.credHelpers as Record<string, string>) : {};
  return { auths, credHelpers, ...(typeof obj.credsStore === 'string' && obj.credsStore ? { credsStore: obj.credsStore } : {}) };
}

/** The key docker uses for a registry: the Hub's legacy URL, else host[:port]. */
export function configKey(registry: string): string {
  return HUB_HOSTS.has(registry) ? DOCKER_HUB_KEY : registry;
}

/** docker's ConvertToHostname: drop the scheme and any path. */
export function toHostname(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0] ?? key;
}

/** Finds the entry for `key`, exactly or by hostname (entries may carry a scheme or path). */
export function findEntry<T>(map: Record<string, T>, key: string): T | undefined {
  if (Object.prototype.hasOwnProperty.call(map, key)) return map[key];
  const host = toHostname(key);
  for (const [k, v] of Object.entries(map)) if (toHostname(k) === host) return v;
  return undefined;
}

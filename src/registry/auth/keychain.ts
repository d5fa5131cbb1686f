import type { Logger } from '../../util/log';
import type { AuthConfig, Authenticator, Keychain } from './authenticator';
import { ANONYMOUS, multiKeychain, staticAuthenticator } from './authenticator';
import { runCredentialHelper } from './credhelper';
import type { DockerAuthEntry, DockerConfig } from './dockerconfig';
import { configKey, dockerConfigDir, findEntry, loadDockerConfig } from './dockerconfig';
import { googleKeychain } from './google';

export interface DockerKeychainOptions {
  /** Directory holding config.json; default $DOCKER_CONFIG or ~/.docker. */
  configDir?: string;
  log?: Logger;
}

function fromEntry(e: DockerAuthEntry): AuthConfig {
  const out: AuthConfig = {};
  if (e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      out.username = decoded.slice(0, i);
      out.password = decoded.slice(i + 1);
    }
  }
  if (e.username) out.username = e.username;
  if (e.password) out.password = e.password;
  if (e.identitytoken) out.identityToken = e.identitytoken;
  if (e.registrytoken) out.registryToken = e.registrytoken;
  return out;
}

/** Credentials as docker finds them: credHelpers[registry], else credsStore, else `auths`. Config read once. */
export function dockerKeychain(opts: DockerKeychainOptions = {}): Keychain {
  let config: Promise<DockerConfig> | undefined;
  return {
    async resolve(registry): Promise<Authenticator> {
      config ??= loadDockerConfig(dockerConfigDir(opts.configDir));
      const cfg = await config;
      const key = configKey(registry);
      const helper = findEntry(cfg.credHelpers, key) ?? cfg.credsStore;
      if (helper) {
        const found = await runCredentialHelper(helper, key);
        const source = cfg.credsStore === helper && !findEntry(cfg.credHelpers, key) ? `credsStore ${helper}` : `credHelper ${helper}`;
        return found ? staticAuthenticator(found, source) : ANONYMOUS;
      }
      const entry = findEntry(cfg.auths, key);
      return entry ? staticAuthenticator(fromEntry(entry), 'docker config') : ANONYMOUS;
    },
  };
}

/** Docker config first; Google ADC for Google registries only when docker has nothing. */
export function defaultKeychain(opts: DockerKeychainOptions = {}): Keychain {
  return multiKeychain(dockerKeychain(opts), googleKeychain(opts.log ? { log: opts.log } : {}));
}

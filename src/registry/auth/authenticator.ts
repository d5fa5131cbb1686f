/** What a keychain knows for one registry (docker's AuthConfig, minus the email). */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker config `identitytoken`, helper username "<token>"). */
  identityToken?: string;
  /** A bearer token to send as is (docker config `registrytoken`). */
  registryToken?: string;
}

export interface Authenticator {
  /** Where the credentials came from, for logs ("credHelper gcloud"); never the secret. */
  readonly source: string;
  authorization(): Promise<AuthConfig>;
}

/** `Keychain.resolve(registry)`: registry is host[:port], e.g. "index.docker.io", "127.0.0.1:5000". */
export interface Keychain {
  resolve(registry: string): Promise<Authenticator>;
}

export const ANONYMOUS: Authenticator = Object.freeze({ source: 'anonymous', authorization: async () => ({}) });

export function isAnonymous(a: Authenticator): boolean {
  return a === ANONYMOUS;
}

export function staticAuthenticator(config: AuthConfig, source: string): Authenticator {
  const copy = { ...config };
  const empty = !copy.username && !copy.password && !copy.identityToken && !copy.registryToken;
  return empty ? ANONYMOUS : { source, authorization: async () => copy };
}

/** Asks each keychain in turn; the first non-anonymous answer wins. */
export function multiKeychain(...keychains: Keychain[]): Keychain {
  return {
    async resolve(registry) {
      for (const k of keychains) {
        const a = await k.resolve(registry);
        if (!isAnonymous(a)) return a;
      }
      return ANONYMOUS;
    },
  };
}

/** A keychain of fixed credentials per registry (tests, or credentials given in-process). */
export function staticKeychain(entries: Record<string, AuthConfig>): Keychain {
  return {
    resolve: async (registry) => {
      const config = entries[registry];
      return config ? staticAuthenticator(config, 'static') : ANONYMOUS;
    },
  };
}

import type { Logger } from '../../util/log';
import type { Authenticator, Keychain } from './authenticator';
import { ANONYMOUS } from './authenticator';

/** gcr.io, *.gcr.io, *-docker.pkg.dev, *.pkg.dev */
export function isGoogleRegistry(registry: string): boolean {
  const host = registry.split(':')[0]?.toLowerCase() ?? '';
  return host === 'gcr.io' || host.endsWith('.gcr.io') || host.endsWith('-docker.pkg.dev') || host.endsWith('.pkg.dev');
}

/** Returns a function that yields an access token; may throw when there are no credentials. */
export type AccessTokenSource = () => Promise<string>;

interface GoogleAuthLike {
  getAccessToken(): Promise<string | null | undefined>;
}
type GoogleAuthCtor = new (opts: { scopes: string[] }) => GoogleAuthLike;

/** Loads google-auth-library only now: it is large, and most runs never touch a Google registry. */
function loadAdc(): AccessTokenSource {
  let ctor: GoogleAuthCtor | undefined;
  try {
    ctor = (require('google-auth-library') as { GoogleAuth?: GoogleAuthCtor }).GoogleAuth;
  } catch {
    ctor = undefined;
  }
  // Not a direct dependency: google-gax re-exports the version the other Google clients use.
  ctor ??= (require('google-gax') as { googleAuthLibrary: { GoogleAuth: GoogleAuthCtor } }).googleAuthLibrary.GoogleAuth;
  const auth = new ctor({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  return async () => {
    const token = await auth.getAccessToken();
    if (!token) throw new Error('application default credentials gave no access token');
    return token;
  };
}

export interface GoogleKeychainOptions {
  log?: Logger;
  /** For tests: replaces the lazy google-auth-library loader. */
  tokenSource?: () => AccessTokenSource;
}

/** Application Default Credentials as `oauth2accesstoken:<token>` for Google registries; anonymous elsewhere. */
export function googleKeychain(opts: GoogleKeychainOptions = {}): Keychain {
  let source: AccessTokenSource | undefined;
  return {
    async resolve(registry): Promise<Authenticator> {
      if (!isGoogleRegistry(registry)) return ANONYMOUS;
      try {
        source ??= (opts.tokenSource ?? loadAdc)();
        const current = source;
        await current();
        // Ask again each time: the library caches the token and refreshes it before expiry.
        return { source: 'google application default credentials', authorization: async () => ({ username: 'oauth2accesstoken', password: await current() }) };
      } catch (e) {
        opts.log?.debug('no Google application default credentials, trying anonymous', { registry, error: e instanceof Error ? e.message : String(e) });
        return ANONYMOUS;
      }
    },
  };
}

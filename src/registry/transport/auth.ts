import type { Logger } from '../../util/log';
import type { AuthConfig, Authenticator, Keychain } from '../auth/authenticator';
import { isAnonymous } from '../auth/authenticator';
import type { Challenge } from './challenge';
import { mergeScopes, parseChallenge } from './challenge';
import type { Pinger, PingResult } from './ping';
import type { Token } from './token';
import { basicHeader, fetchToken } from './token';
import type { Doer, RegistryRequest, RegistryResponse } from './types';
import { discard, isReplayable, withHeaders } from './types';

export interface AuthOptions {
  pinger: Pinger;
  keychain: Keychain;
  /** Stack used for token requests (retrying, no auth). */
  tokenDoer: Doer;
  log?: Logger;
}

/** Per-registry credentials and the bearer tokens obtained with them, keyed by scope set. */
class RegistryAuth {
  private authenticator: Promise<Authenticator> | undefined;
  private readonly pending = new Map<string, Promise<Token>>();
  private readonly live = new Map<string, Token>();
  /** Scope set → the held scope set found to cover it, so the search runs once per scope set, not per request. */
  private readonly coveredBy = new Map<string, string>();
  constructor(private readonly registry: string, private readonly opts: AuthOptions) {}

  private credentials(): Promise<AuthConfig> {
    this.authenticator ??= this.opts.keychain.resolve(this.registry).then((a) => {
      // Name the source, never the secret.
      if (!isAnonymous(a)) this.opts.log?.debug(`using credentials from ${a.source}`, { registry: this.registry });
      return a;
    });
    return this.authenticator.then((a) => a.authorization());
  }

  /** The header when it needs no wait (none for an open registry, or a live token that covers `scopes`); else null. */
  cached(challenge: Challenge, scopes: string[]): string | undefined | null {
    if (challenge.scheme === 'none') return undefined;
    if (challenge.scheme !== 'bearer') return null;
    const key = scopes.join(' ');
    const now = Date.now();
    const known = this.live.get(this.coveredBy.get(key) ?? key);
    if (known && known.expiresAt > now) return `Bearer ${known.token}`;
    for (const [held, t] of this.live) {
      // Any live token whose scopes cover this request will do (a push token also serves pulls).
      if (t.expiresAt > now && (held === key || mergeScopes(held.split(' '), scopes).join(' ') === held)) {
        this.coveredBy.set(key, held);
        return `Bearer ${t.token}`;
      }
    }
    return null;
  }

  async header(challenge: Challenge, scopes: string[], fresh: boolean, once: boolean): Promise<string | undefined> {
    if (challenge.scheme === 'none') return undefined;
    if (challenge.scheme === 'basic') {
      const auth = await this.credentials();
      return auth.username !== undefined && auth.password !== undefined ? basicHeader(auth.username, auth.password) : undefined;
    }
    const key = scopes.join(' ');
    if (!fresh) {
      // Synchronous up to the fetch, so concurrent requests share one token request per scope set.
      const known = this.cached(challenge, scopes);
      if (known !== null) return known;
      const pending = this.pending.get(key);
      if (pending) return `Bearer ${(await pending).token}`;
    }
    // Credentials are looked up only when a token is needed (a helper or ADC call is not free).
    const p = this.credentials().then((auth) =>
      auth.registryToken
        ? { token: auth.registryToken, expiresAt: Number.MAX_SAFE_INTEGER }
        : fetchToken(this.opts.tokenDoer, { realm: challenge.realm, service: challenge.service, scopes, auth, registry: this.registry, once }),
    );
    this.pending.set(key, p);
    this.live.delete(key);
    p.then(
      (t) => {
        this.live.set(key, t);
        if (this.pending.get(key) === p) this.pending.delete(key);
      },
      () => {
        if (this.pending.get(key) === p) this.pending.delete(key);
      },
    );
    return `Bearer ${(await p).token}`;
  }
}

/**
 * Adds Authorization for the registry's own host (Basic, or a cached Bearer token for the request's
 * scopes). On a 401 carrying a new Bearer challenge it merges the scopes, fetches a token and tries once more.
 */
export function withAuth(inner: Doer, opts: AuthOptions): Doer {
  const registries = new Map<string, RegistryAuth>();
  const forRegistry = (r: string): RegistryAuth => {
    let a = registries.get(r);
    if (!a) registries.set(r, (a = new RegistryAuth(r, opts)));
    return a;
  };
  const authorize = (req: RegistryRequest, { scheme, challenge }: PingResult): Promise<RegistryResponse> => {
    const once = req.once ?? false;
    // Credentials go to the registry's own origin only: same host over another scheme is another server.
    // (The string test is the common case: a path the scheme layer completed.)
    const own = `${scheme}://${req.registry}`;
    if (!req.url.startsWith(`${own}/`) && new URL(req.url).origin !== new URL(own).origin) return inner(req);
    const auth = forRegistry(req.registry as string);
    const scopes = challenge.scheme === 'bearer' ? mergeScopes(req.scopes, challenge.scopes) : (req.scopes ?? []);
    const send = (header: string | undefined): Promise<RegistryResponse> => inner(header === undefined ? req : withHeaders(req, { authorization: header }));
    // A live token (or none needed): no wait before the request. Else the token is fetched first.
    const now = auth.cached(challenge, scopes);
    const first = now !== null ? send(now) : auth.header(challenge, scopes, false, once).then(send);
    return first.then(async (res) => {
      if (res.status !== 401 || !isReplayable(req)) return res;
      const again = parseChallenge(res.headers.get('www-authenticate'));
      if (again.scheme !== 'bearer') return res;
      await discard(res);
      return send(await auth.header(again, mergeScopes(scopes, again.scopes), true, once));
    });
  };
  return (req) => (req.registry ? opts.pinger.withAnswer(req.registry, req.once ?? false, (p) => authorize(req, p)) : inner(req));
}

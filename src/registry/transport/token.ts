import { errorFromResponse, RegistryError, safeUrl } from '../errors';
import type { AuthConfig } from '../auth/authenticator';
import type { Doer, RegistryResponse } from './types';
import { discard } from './types';

export interface Token {
  token: string;
  /** Epoch ms after which we fetch a new one. */
  expiresAt: number;
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

interface TokenRequest {
  realm: string;
  service: string | undefined;
  scopes: string[];
  auth: AuthConfig;
  registry: string;
  /** Inside an operation that owns the retry budget. */
  once?: boolean;
}

/**
 * Fetches a bearer token from the challenge's realm (docker token spec): OAuth2 POST with a refresh
 * token when we hold one (falling back to GET where the server has no OAuth2 endpoint), else GET with Basic.
 */
export async function fetchToken(doer: Doer, req: TokenRequest): Promise<Token> {
  let res: RegistryResponse | undefined;
  let method = 'POST';
  if (req.auth.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: req.auth.identityToken, client_id: 'reimage' });
    if (req.service) form.set('service', req.service);
    if (req.scopes.length) form.set('scope', req.scopes.join(' '));
    res = await doer({ method: 'POST', url: req.realm, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), secret: true, once: req.once ?? false });
    if (res.status === 404 || res.status === 405) {
      await discard(res);
      res = undefined;
    }
  }
  if (!res) {
    method = 'GET';
    const url = new URL(req.realm);
    if (req.service) url.searchParams.set('service', req.service);
    for (const s of req.scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (req.auth.username !== undefined && req.auth.password !== undefined) headers.authorization = basicHeader(req.auth.username, req.auth.password);
    res = await doer({ method: 'GET', url: url.toString(), headers, once: req.once ?? false });
  }
  if (res.status !== 200) throw await errorFromResponse(method, req.realm, res, `fetching token for ${req.registry}`);
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch (e) {
    throw new RegistryError(`fetching token for ${req.registry}: malformed response from ${safeUrl(req.realm)}`, { cause: e, temporary: true });
  }
  const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
  if (!token) throw new RegistryError(`fetching token for ${req.registry}: no token in response from ${safeUrl(req.realm)}`);
  // The spec's default lifetime is 60 s; renew a little early.
  const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
  return { token, expiresAt: Date.now() + Math.max(1, lifetime - 10) * 1000 };
}

/**
 * A local Docker/OCI token server (the "Bearer realm" of `auth.token` in distribution's config).
 *
 * API
 *   startTokenServer(opts?: TokenServerOptions): Promise<TokenServer>
 *
 *   TokenServerOptions {
 *     service?: string          // default 'reimage-test-registry'
 *     issuer?: string           // default 'reimage-test-issuer'
 *     username?, password?      // when set, Basic credentials are checked (401 if wrong)
 *     allowAnonymous?: boolean  // issue tokens without credentials (default false when username is set)
 *     expiresIn?: number        // seconds, default 300
 *     grant?: (account: string | undefined, scope: ParsedScope) => string[]   // default: every requested action
 *   }
 *
 *   TokenServer {
 *     realm: string                  // 'http://127.0.0.1:PORT/token' - goes into the registry's auth.token.realm
 *     service, issuer: string
 *     rootCertBundle: string         // PEM file for auth.token.rootcertbundle (self-signed ES256 signer cert)
 *     requests: TokenRequestRecord[] // every request, in order (never the password)
 *     countByScope(): Map<string, number>  // how many tokens were issued per scope string ('' = no scope)
 *     tokenCount(scope?: string): number   // issued tokens, all or for one scope
 *     maxPerScope(): number                // the largest count over all scopes (1 = "one token per scope")
 *     reset(): void                        // clear requests
 *     issue(account, scopes): string       // sign a token directly (for hand-made requests in tests)
 *     stop(): Promise<void>
 *   }
 *
 * Protocol: GET {realm}?service=S&scope=repository:foo:pull,push[&scope=...] (Basic auth optional), and the
 * OAuth2 form POST (grant_type=password|refresh_token, service, scope, username, password). Both answer
 * {"token","access_token","expires_in","issued_at"} (POST also "refresh_token" when a username was given).
 * Tokens are ES256 JWTs whose header carries x5c = [signer cert]; the signer cert is in rootCertBundle,
 * which is what distribution 2.8 verifies. Claims: iss, sub, aud=service, exp, nbf, iat, jti, access.
 */
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { listenOnLoopback, stopper } from './listen';
import { makeTempDir, runCommand } from './tmp';

export interface ParsedScope {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenServerOptions {
  service?: string;
  issuer?: string;
  username?: string;
  password?: string;
  allowAnonymous?: boolean;
  expiresIn?: number;
  grant?: (account: string | undefined, scope: ParsedScope) => string[];
}

export interface TokenRequestRecord {
  method: string;
  service: string;
  scopes: string[];
  account: string | undefined;
  /** true when credentials were sent (Basic header or form password) */
  hadCredentials: boolean;
  status: number;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
  requests: TokenRequestRecord[];
  countByScope(): Map<string, number>;
  tokenCount(scope?: string): number;
  maxPerScope(): number;
  reset(): void;
  issue(account: string | undefined, scopes: readonly string[]): string;
  stop(): Promise<void>;
}

interface Signer {
  key: KeyObject;
  certDerB64: string;
  bundle: string;
}

let signerPromise: Promise<Signer> | undefined;

/** One ES256 key + self-signed cert per process, shared by every token server. */
function getSigner(): Promise<Signer> {
  signerPromise ??= (async () => {
    const dir = await makeTempDir('reimage-token-signer-');
    const keyFile = join(dir, 'signer.key');
    const certFile = join(dir, 'signer.crt');
    await runCommand('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '3650', '-subj', '/CN=reimage test token signer',
    ]);
    const key = createPrivateKey(await readFile(keyFile));
    const cert = new X509Certificate(await readFile(certFile));
    return { key, certDerB64: cert.raw.toString('base64'), bundle: certFile };
  })();
  return signerPromise;
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

export function parseScope(scope: string): ParsedScope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter((a) => a.length > 0),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const signer = await getSigner();
  const service = opts.service ?? 'reimage-test-registry';
  const issuer = opts.issuer ?? 'reimage-test-issuer';
  const expiresIn = opts.expiresIn ?? 300;
  const allowAnonymous = opts.allowAnonymous ?? opts.username === undefined;
  const requests: TokenRequestRecord[] = [];

  const issue = (account: string | undefined, scopes: readonly string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access: ParsedScope[] = [];
    for (const s of scopes) {
      const p = parseScope(s);
      if (!p) continue;
      const actions = opts.grant ? opts.grant(account, p) : p.actions;
      access.push({ type: p.type, name: p.name, actions });
    }
    const header = { typ: 'JWT', alg: 'ES256', x5c: [signer.certDerB64] };
    const claims = {
      iss: issuer,
      sub: account ?? '',
      aud: service,
      exp: now + expiresIn,
      nbf: now - 60,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  };

  const checkCreds = (user: string | undefined, pass: string | undefined): boolean =>
    opts.username === undefined || (user === opts.username && pass === opts.password);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    let params: URLSearchParams = url.searchParams;
    let user: string | undefined;
    let pass: string | undefined;
    if (req.method === 'POST') {
      params = new URLSearchParams(await readBody(req));
      if (params.get('grant_type') === 'password') {
        user = params.get('username') ?? undefined;
        pass = params.get('password') ?? undefined;
      } else if (params.get('grant_type') === 'refresh_token') {
        const rt = params.get('refresh_token') ?? '';
        const sep = rt.indexOf(':');
        if (sep > 0) {
          user = Buffer.from(rt.slice(0, sep), 'base64url').toString('utf8');
          pass = Buffer.from(rt.slice(sep + 1), 'base64url').toString('utf8');
        }
      }
    } else if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    const authz = req.headers.authorization;
    if (authz?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      user = sep >= 0 ? decoded.slice(0, sep) : decoded;
      pass = sep >= 0 ? decoded.slice(sep + 1) : '';
    }
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s.length > 0);
    const record: TokenRequestRecord = {
      method: req.method,
      service: params.get('service') ?? '',
      scopes,
      account: user,
      hadCredentials: user !== undefined,
      status: 200,
    };
    requests.push(record);
    const ok = user === undefined ? allowAnonymous : checkCreds(user, pass);
    if (!ok || (record.service !== '' && record.service !== service)) {
      record.status = ok ? 400 : 401;
      res.writeHead(record.status, {
        'content-type': 'application/json',
        ...(ok ? {} : { 'www-authenticate': 'Basic realm="reimage-test-token"' }),
      });
      res.end(JSON.stringify({ errors: [{ code: ok ? 'INVALID_SERVICE' : 'UNAUTHORIZED', message: 'denied' }] }));
      return;
    }
    const token = issue(user, scopes);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    };
    if (req.method === 'POST' && user !== undefined && pass !== undefined) {
      body.refresh_token = `${b64url(user)}:${b64url(pass)}`;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  const port = await listenOnLoopback(server);
  const stop = stopper(server);

  const issuedScopes = (): string[] =>
    requests.filter((r) => r.status === 200).flatMap((r) => (r.scopes.length > 0 ? r.scopes : ['']));

  const countByScope = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const s of issuedScopes()) m.set(s, (m.get(s) ?? 0) + 1);
    return m;
  };

  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: signer.bundle,
    requests,
    countByScope,
    tokenCount(scope?: string) {
      const all = issuedScopes();
      return scope === undefined ? requests.filter((r) => r.status === 200).length : all.filter((s) => s === scope).length;
    },
    maxPerScope() {
      let max = 0;
      for (const n of countByScope().values()) max = Math.max(max, n);
      return max;
    },
    reset() {
      requests.length = 0;
    },
    issue,
    stop,
  };
}


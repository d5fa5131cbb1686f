/**
 * Real OCI registries (Debian `docker-registry`, distribution 2.8.2) on 127.0.0.1 for tests and benches.
 *
 * API
 *   startRegistry(opts?: RegistryOptions): Promise<TestRegistry>
 *     RegistryOptions {
 *       auth?: 'none' | 'htpasswd' | 'token'   // default 'none'
 *       tls?: boolean                          // default false: plain HTTP
 *       username?, password?: string           // default 'reimage' / 'secret-<random>' when auth != 'none'
 *       storageDir?: string                    // reuse a storage root (restart a registry on old data)
 *       tokenOptions?: TokenServerOptions      // extra options for the token server (auth 'token')
 *       trustInProcess?: boolean               // tls only, default true: make THIS process trust the test CA
 *       startTimeoutMs?: number                // default 15000
 *       port?: number                          // listen on this port (e.g. one that fetch blocks); default free
 *       configOverride?: (config) => void      // edit the generated config object before it is written
 *     }
 *     The registry listens on 127.0.0.1:0 and the port is read from its "listening on" log line, so
 *     there is no port race. startRegistry resolves once GET /v2/ answers (200, or 401 with auth).
 *
 *   TestRegistry {
 *     host: string                 // '127.0.0.1:PORT'  (what goes into image references)
 *     url: string                  // 'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT'
 *     scheme: 'http' | 'https'
 *     auth: 'none' | 'htpasswd' | 'token'
 *     username?, password?: string // credentials (htpasswd user, or token-server user)
 *     caFile?: string              // PEM of the CA that signed the server cert (tls only)
 *     certDir?: string             // dir holding only ca.crt, for skopeo --src-cert-dir/--dest-cert-dir
 *     tokenServer?: TokenServer    // auth 'token' only; counts tokens per scope
 *     storageDir, configFile: string
 *     logs(): string               // registry stderr (app log), for failure messages
 *     accessLog(): AccessLogEntry[]            // parsed access log (registry stdout), so far
 *     settleLogs(quietMs?): Promise<void>      // wait until the access log stops growing (default 60 ms quiet)
 *     requestCount(filter?: AccessLogFilter): Promise<number>   // settles, then counts access-log entries
 *     blobUploadCount(repo?: string): Promise<number>  // completed blob uploads (PUT .../blobs/uploads/<id> 201,
 *                                                      //  or monolithic POST ...?digest= 201); mounts not counted
 *     blobMountCount(repo?: string): Promise<number>   // POST ...blobs/uploads/?mount=... answered 201
 *     resetAccessLog(): Promise<void>          // settles, then forgets entries seen so far
 *     basicAuthHeader(): string | undefined    // 'Basic ...' for htpasswd registries
 *     childEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv   // base + NODE_EXTRA_CA_CERTS=caFile (tls)
 *     stop(): Promise<void>                    // SIGTERM, then SIGKILL after 3 s; idempotent
 *   }
 *
 *   writeDockerConfig(regs: TestRegistry[], dir?: string): Promise<string>
 *     Writes DIR/config.json with `auths` for every registry that has credentials; returns DIR
 *     (use as RegistryClientOptions.dockerConfigDir, or DOCKER_CONFIG=DIR for a child process).
 *   childEnvFor(regs: TestRegistry[], base?): NodeJS.ProcessEnv
 *     base + NODE_EXTRA_CA_CERTS (test CA) when any registry uses TLS.
 *   ensureTlsMaterial(): Promise<TlsMaterial>   // { dir, caFile, caKey, serverCert, serverKey, certDir }
 *   trustCAInProcess(caPem: string): void       // see "TLS trust" below
 *   inProcessTrustPatched(): boolean            // whether trustCAInProcess() had to patch this process
 *   createTlsMaterial(dir: string): Promise<TlsMaterial>   // a fresh CA + server cert in dir (openssl CLI)
 *   parseAccessLogLine(line: string): AccessLogEntry | undefined
 *   isCompletedBlobUpload(e: AccessLogEntry): boolean;  isBlobMount(e: AccessLogEntry): boolean
 *   AccessLogEntry { method, uri (path+query), path, status, bytes, userAgent }
 *   AccessLogFilter = ((e) => boolean) | { method?: string; path?: RegExp (tested on uri) | string (path prefix); status?: number }
 *
 * TLS trust
 *   All TLS registries of a process use one test CA and one server cert (SANs IP:127.0.0.1, DNS:localhost, and
 *   IP:0.0.0.0, which reaches loopback listeners without being a loopback address: proxies skip loopback).
 *   If REIMAGE_TEST_TLS_DIR is set (by test/support/global-setup.ts) that material is reused, so jest
 *   workers - which are spawned after globalSetup and inherit its NODE_EXTRA_CA_CERTS - trust it natively.
 *   Node reads NODE_EXTRA_CA_CERTS only at start-up, so when the test runs in the process that set it (jest
 *   in-band: one test file, or -i) or without globalSetup, startRegistry({tls: true}) probes the handshake
 *   and, if the CA is not trusted, calls trustCAInProcess(): it wraps tls.createSecureContext so contexts
 *   created without an explicit `ca` trust Node's bundled roots plus the test CA. That covers node:https
 *   and global fetch (undici) alike. Child processes (the reimage CLI) get the CA via childEnv().
 *
 * Cleanup: every registry is stopped by the afterAll hook that test/support/tmp.ts registers, is
 * SIGKILLed on process exit outside jest (jest's sandboxed `process` never delivers 'exit'), and (via `setpriv --pdeathsig KILL`, util-linux) dies with its parent
 * process even when that is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir, onCleanup, onExitSync, runCommand } from './tmp';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server';
// `import =` keeps the real module object: the trust patch must replace the export node:https/undici call.
import tls = require('node:tls');

export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  tls?: boolean;
  username?: string;
  password?: string;
  storageDir?: string;
  tokenOptions?: TokenServerOptions;
  trustInProcess?: boolean;
  startTimeoutMs?: number;
  /** A fixed 127.0.0.1 port (e.g. 6000, which fetch refuses); default: a free one. */
  port?: number;
  /** Last word on the generated config (a plain object serialised as JSON/YAML), e.g. read-only mode. */
  configOverride?: (config: Record<string, unknown>) => void;
}

export interface AccessLogEntry {
  method: string;
  /** request URI as sent: path plus query */
  uri: string;
  /** path without the query */
  path: string;
  status: number;
  bytes: number;
  userAgent: string;
}

export type AccessLogFilter =
  | ((e: AccessLogEntry) => boolean)
  | { method?: string; path?: RegExp | string; status?: number };

export interface TestRegistry {
  host: string;
  url: string;
  scheme: 'http' | 'https';
  auth: RegistryAuth;
  username?: string;
  password?: string;
  caFile?: string;
  certDir?: string;
  tokenServer?: TokenServer;
  storageDir: string;
  configFile: string;
  logs(): string;
  accessLog(): AccessLogEntry[];
  settleLogs(quietMs?: number): Promise<void>;
  requestCount(filter?: AccessLogFilter): Promise<number>;
  blobUploadCount(repo?: string): Promise<number>;
  blobMountCount(repo?: string): Promise<number>;
  resetAccessLog(): Promise<void>;
  basicAuthHeader(): string | undefined;
  childEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface TlsMaterial {
  dir: string;
  caFile: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** contains only ca.crt (containers/image cert dir layout) */
  certDir: string;
}

const ACCESS_RE = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) "[^"]*" "([^"]*)"/;

export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const m = ACCESS_RE.exec(line);
  if (!m) return undefined;
  const uri = m[2] ?? '';
  const q = uri.indexOf('?');
  return {
    method: m[1] ?? '',
    uri,
    path: q >= 0 ? uri.slice(0, q) : uri,
    status: Number(m[3]),
    bytes: m[4] === '-' ? 0 : Number(m[4]),
    userAgent: m[5] ?? '',
  };
}

function toPredicate(filter: AccessLogFilter | undefined): (e: AccessLogEntry) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  return (e) =>
    (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
    (filter.status === undefined || e.status === filter.status) &&
    (filter.path === undefined ||
      (typeof filter.path === 'string' ? e.path.startsWith(filter.path) : filter.path.test(e.uri)));
}

function repoOfBlobUpload(path: string): string | undefined {
  const m = /^\/v2\/(.+)\/blobs\/uploads\//.exec(path);
  return m?.[1];
}

export function isCompletedBlobUpload(e: AccessLogEntry): boolean {
  if (e.status !== 201 || repoOfBlobUpload(e.path) === undefined) return false;
  if (e.method === 'PUT') return true;
  // monolithic upload: POST /v2/<name>/blobs/uploads/?digest=...
  return e.method === 'POST' && /[?&]digest=/.test(e.uri) && !/[?&]mount=/.test(e.uri);
}

export function isBlobMount(e: AccessLogEntry): boolean {
  return e.method === 'POST' && e.status === 201 && repoOfBlobUpload(e.path) !== undefined && /[?&]mount=/.test(e.uri);
}

// ---------------------------------------------------------------------------------------------- TLS

let tlsPromise: Promise<TlsMaterial> | undefined;

/** Creates the test CA and a server cert for 127.0.0.1/localhost in `dir` (openssl CLI, no shell). */
export async function createTlsMaterial(dir: string): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true });
  const m: TlsMaterial = {
    dir,
    caFile: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    certDir: join(dir, 'certs.d'),
  };
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await runCommand('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', m.caKey, '-out', m.caFile, '-days', '3650', '-subj', '/CN=reimage test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await runCommand('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', m.serverKey, '-out', csr, '-subj', '/CN=localhost',
  ]);
  await writeFile(
    ext,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,IP:0.0.0.0\n',
  );
  await runCommand('openssl', [
    'x509', '-req', '-in', csr, '-CA', m.caFile, '-CAkey', m.caKey, '-CAcreateserial',
    '-days', '3650', '-out', m.serverCert, '-extfile', ext,
  ]);
  await mkdir(m.certDir, { recursive: true });
  await writeFile(join(m.certDir, 'ca.crt'), await readFile(m.caFile));
  return m;
}

/** The process-wide TLS material: REIMAGE_TEST_TLS_DIR (global setup) when present, else created once. */
export function ensureTlsMaterial(): Promise<TlsMaterial> {
  tlsPromise ??= (async () => {
    const shared = process.env.REIMAGE_TEST_TLS_DIR;
    if (shared && existsSync(join(shared, 'server.key')) && existsSync(join(shared, 'certs.d', 'ca.crt'))) {
      return {
        dir: shared,
        caFile: join(shared, 'ca.crt'),
        caKey: join(shared, 'ca.key'),
        serverCert: join(shared, 'server.crt'),
        serverKey: join(shared, 'server.key'),
        certDir: join(shared, 'certs.d'),
      };
    }
    return createTlsMaterial(await makeTempDir('reimage-test-tls-'));
  })();
  return tlsPromise;
}

const trustedPems = new Set<string>();

/** true once trustCAInProcess() has patched this process (diagnostics: false = native NODE_EXTRA_CA_CERTS trust). */
export function inProcessTrustPatched(): boolean {
  return originalCreateSecureContext !== undefined;
}

let originalCreateSecureContext: typeof tls.createSecureContext | undefined;

/**
 * Makes this process trust `caPem` for TLS contexts created without an explicit `ca` (node:https, fetch).
 * Idempotent. Only for tests: it replaces tls.createSecureContext for the rest of the process.
 */
export function trustCAInProcess(caPem: string): void {
  if (trustedPems.has(caPem)) return;
  trustedPems.add(caPem);
  if (originalCreateSecureContext) return;
  const original = tls.createSecureContext;
  originalCreateSecureContext = original;
  const patched = (options?: tls.SecureContextOptions): tls.SecureContext => {
    if (options && options.ca !== undefined) return original(options);
    return original({ ...(options ?? {}), ca: [...tls.rootCertificates, ...trustedPems] });
  };
  (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = patched;
}

/** true when a default TLS handshake to 127.0.0.1:port verifies (i.e. the CA is already trusted). */
function defaultTrustWorks(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const ok = sock.authorized;
      sock.destroy();
      resolve(ok);
    });
    sock.on('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------------------------------- registry

function probe(url: string, caPem: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL('/v2/', url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', timeout: 2000, ...(caPem !== undefined ? { ca: caPem } : {}), agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(s: string, n = 3000): string {
  return s.length > n ? `...${s.slice(-n)}` : s;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const auth: RegistryAuth = opts.auth ?? 'none';
  const useTls = opts.tls ?? false;
  const dir = await makeTempDir('reimage-registry-');
  const storageDir = opts.storageDir ?? join(dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const username = auth === 'none' ? undefined : (opts.username ?? 'reimage');
  const password = auth === 'none' ? undefined : (opts.password ?? `secret-${randomBytes(6).toString('hex')}`);

  const config: Record<string, unknown> = {
    version: '0.1',
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${opts.port ?? 0}`, secret: randomBytes(16).toString('hex') },
    health: { storagedriver: { enabled: false } },
  };

  let tlsMat: TlsMaterial | undefined;
  let caPem: string | undefined;
  if (useTls) {
    tlsMat = await ensureTlsMaterial();
    caPem = await readFile(tlsMat.caFile, 'utf8');
    (config.http as Record<string, unknown>).tls = { certificate: tlsMat.serverCert, key: tlsMat.serverKey };
  }

  let tokenServer: TokenServer | undefined;
  if (auth === 'htpasswd') {
    const { stdout } = await runCommand('htpasswd', ['-Bbn', username ?? '', password ?? '']);
    const file = join(dir, 'htpasswd');
    await writeFile(file, stdout);
    config.auth = { htpasswd: { realm: 'reimage-test', path: file } };
  } else if (auth === 'token') {
    tokenServer = await startTokenServer({ username, password, ...(opts.tokenOptions ?? {}) });
    config.auth = {
      token: {
        realm: tokenServer.realm,
        service: tokenServer.service,
        issuer: tokenServer.issuer,
        rootcertbundle: tokenServer.rootCertBundle,
      },
    };
  }

  opts.configOverride?.(config);
  const configFile = join(dir, 'config.yml');
  // JSON is valid YAML; the registry's YAML loader reads it as is.
  await writeFile(configFile, JSON.stringify(config, null, 2));

  // setpriv (util-linux) sets PR_SET_PDEATHSIG before exec'ing the registry, so it dies with this process
  // even when a jest worker is killed: process 'exit' handlers do not fire inside jest's sandbox.
  const [cmd, args] = existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', 'docker-registry', 'serve', configFile]]
    : ['docker-registry', ['serve', configFile]];
  const child: ChildProcess = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
  });
  let stderr = '';
  let stdoutBuf = '';
  const entries: AccessLogEntry[] = [];
  let lastOutputAt = Date.now();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const unregisterExit = onExitSync(() => {
    if (!exited) child.kill('SIGKILL');
  });

  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 4_000_000) stderr = stderr.slice(-2_000_000);
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    lastOutputAt = Date.now();
    stdoutBuf += d;
    let nl: number;
    while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
      const line = stdoutBuf.slice(0, nl);
      stdoutBuf = stdoutBuf.slice(nl + 1);
      const e = parseAccessLogLine(line);
      if (e) entries.push(e);
    }
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 3000);
      await exitPromise;
      clearTimeout(timer);
    }
    unregisterExit();
    await tokenServer?.stop();
  };
  onCleanup(stop);

  // Wait for "listening on 127.0.0.1:PORT" then for /v2/ to answer.
  const timeoutMs = opts.startTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`docker-registry did not start (${why}); config ${configFile}\nstderr tail:\n${tail(stderr)}`);
  };
  let port: number | undefined;
  let lastErr = '';
  for (;;) {
    const early = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
    if (early) return fail(`spawn failed: ${early.message} (is the docker-registry package installed?)`);
    if (exited) return fail(`exited with code ${String(exited.code)} signal ${String(exited.signal)}`);
    if (Date.now() > deadline) return fail(`timeout after ${timeoutMs} ms${lastErr ? `, last probe error: ${lastErr}` : ''}`);
    if (port === undefined) {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) port = Number(m[1]);
    }
    if (port !== undefined) {
      try {
        const status = await probe(`${useTls ? 'https' : 'http'}://127.0.0.1:${port}`, caPem);
        if (status === 200 || status === 401) break;
        lastErr = `status ${status}`;
      } catch (e) {
        lastErr = e instanceof Error ? e.message : String(e);
      }
    }
    await sleep(20);
  }

  if (useTls && caPem !== undefined && (opts.trustInProcess ?? true)) {
    if (!(await defaultTrustWorks(port))) trustCAInProcess(caPem);
  }

  const host = `127.0.0.1:${port}`;
  // The registry writes an access-log line after its handler returns, which can be just after the client
  // has its response: always wait a little, then until the log has been quiet for quietMs (max 2 s).
  const settleLogs = async (quietMs = 60): Promise<void> => {
    const start = Date.now();
    const until = start + 2000;
    while ((Date.now() - lastOutputAt < quietMs || Date.now() - start < 25) && Date.now() < until) await sleep(10);
  };
  const countWhere = async (pred: (e: AccessLogEntry) => boolean): Promise<number> => {
    await settleLogs();
    return entries.filter(pred).length;
  };
  const inRepo = (repo: string | undefined, e: AccessLogEntry): boolean =>
    repo === undefined || repoOfBlobUpload(e.path) === repo;

  const reg: TestRegistry = {
    host,
    url: `${useTls ? 'https' : 'http'}://${host}`,
    scheme: useTls ? 'https' : 'http',
    auth,
    storageDir,
    configFile,
    logs: () => stderr,
    accessLog: () => [...entries],
    settleLogs,
    requestCount: (filter) => countWhere(toPredicate(filter)),
    blobUploadCount: (repo) => countWhere((e) => isCompletedBlobUpload(e) && inRepo(repo, e)),
    blobMountCount: (repo) => countWhere((e) => isBlobMount(e) && inRepo(repo, e)),
    resetAccessLog: async () => {
      await settleLogs();
      entries.length = 0;
    },
    basicAuthHeader: () =>
      username !== undefined && password !== undefined
        ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
        : undefined,
    childEnv: (base: NodeJS.ProcessEnv = process.env) =>
      tlsMat ? { ...base, NODE_EXTRA_CA_CERTS: tlsMat.caFile } : { ...base },
    stop,
  };
  if (username !== undefined) reg.username = username;
  if (password !== undefined) reg.password = password;
  if (tlsMat) {
    reg.caFile = tlsMat.caFile;
    reg.certDir = tlsMat.certDir;
  }
  if (tokenServer) reg.tokenServer = tokenServer;
  return reg;
}

/** Writes DIR/config.json with Basic credentials for every registry that has them; returns DIR. */
export async function writeDockerConfig(regs: readonly TestRegistry[], dir?: string): Promise<string> {
  const target = dir ?? (await makeTempDir('reimage-docker-config-'));
  const auths: Record<string, { auth: string }> = {};
  for (const r of regs) {
    if (r.username !== undefined && r.password !== undefined) {
      auths[r.host] = { auth: Buffer.from(`${r.username}:${r.password}`).toString('base64') };
    }
  }
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'config.json'), JSON.stringify({ auths }, null, 2));
  return target;
}

/** base env plus NODE_EXTRA_CA_CERTS when any of `regs` serves TLS (for spawning the reimage CLI). */
export function childEnvFor(regs: readonly TestRegistry[], base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const ca = regs.find((r) => r.caFile !== undefined)?.caFile;
  return ca !== undefined ? { ...base, NODE_EXTRA_CA_CERTS: ca } : { ...base };
}

/**
 * A loopback reverse proxy in front of a plain-HTTP registry that records every request and injects faults.
 *
 * API
 *   startFaultProxy(targetHost: string, plan?: FaultPlan, opts?: FaultProxyOptions): Promise<FaultProxy>
 *     targetHost: '127.0.0.1:PORT' of the upstream (plain HTTP). Streams both ways; the upstream sees
 *     Host: targetHost, and absolute Location headers pointing at the upstream are rewritten to the
 *     proxy, so upload URLs and redirects come back through it.
 *   FaultProxyOptions {
 *     port?: number      // listen on this 127.0.0.1 port (e.g. one fetch blocks: 6000, 6666, 5060); default free
 *     tls?: { cert: string; key: string }   // PEM: the port then speaks HTTPS *and* plain HTTP (sniffed from
 *                        // the first byte), like a TLS-terminating front whose http:// side is reachable too;
 *                        // `url` is https://; Locations keep the scheme each request came in on
 *   }
 *
 *   FaultPlan = FaultRule[]     // first rule that matches and has uses left applies; one fault per request
 *   FaultRule {
 *     match: (req: FaultRequest) => boolean   // FaultRequest { method, path (with query), headers, index }
 *     times?: number     // how many matching requests get the fault; default 1 (Infinity = always)
 *     skip?: number      // let this many matching requests through first; default 0
 *     fault: Fault
 *   }
 *   Fault =
 *     | { status: number; retryAfter?: number | string; body?: string; headers?: Record<string, string> }
 *         // answered by the proxy, upstream never sees it; default body is a registry error JSON
 *     | { reset: 'before-response' }  // request body read, then the socket is destroyed: no response at all
 *     | { reset: 'mid-body' }         // upstream response headers + about half the body, then socket destroyed
 *     | { truncate: number }          // a "complete" response whose body is cut to N bytes (Content-Length = N):
 *                                     //  only digest verification can notice
 *     | { corrupt: true }             // same length, first body byte flipped: digest mismatch
 *     | { delayMs: number }           // wait, then forward normally
 *     | { redirect: string | ((req) => string); redirectStatus?: number }
 *                                     // answered by the proxy: redirectStatus (default 307) with that Location
 *                                     //  (e.g. the token POST sent to another origin)
 *     | { hang: true }                // read the request, never answer (until stop): a hanging registry
 *     | { locationScheme: 'http' }    // forward, but the response's Location comes back as http://proxy
 *                                     //  (a TLS-terminating proxy that downgrades upload URLs)
 *
 *   FaultProxy {
 *     host: string                    // '127.0.0.1:PORT' of the proxy (use it in image references)
 *     url: string                     // 'http://' + host
 *     requests: RecordedRequest[]     // every request in arrival order
 *     addFault(rule: FaultRule): void
 *     clearFaults(): void
 *     pendingFaults(): number         // uses left over all rules (Infinity if any rule is unlimited)
 *     count(filter?: RequestFilter): number
 *     reset(): void                   // forget recorded requests
 *     saw(needle: string): boolean    // whether any request so far carried `needle` in a header or its body
 *                                     //  (first 1 MB), in any encoding a client would use (raw, base64 of it)
 *     stop(): Promise<void>
 *   }
 *   RecordedRequest { method, path (with query), status (0 = no response), hadAuthorization: boolean,
 *                     scheme: 'http' | 'https', fault?: string, durationMs: number }
 *                     // the Authorization value is never kept there
 *   match(spec: { method?: string; path?: RegExp | string }): (req: FaultRequest) => boolean
 *     helper: method equality and path regex / prefix, e.g. match({ method: 'GET', path: /\/blobs\/sha256:/ })
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { onCleanup } from './tmp';

export interface FaultRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** 0-based arrival index at the proxy */
  index: number;
}

export type Fault =
  | { status: number; retryAfter?: number | string; body?: string; headers?: Record<string, string> }
  | { reset: 'before-response' | 'mid-body' }
  | { truncate: number }
  | { corrupt: true }
  | { delayMs: number }
  | { redirect: string | ((req: FaultRequest) => string); redirectStatus?: number }
  | { hang: true }
  | { locationScheme: 'http' };

export interface FaultProxyOptions {
  port?: number;
  tls?: { cert: string; key: string };
}

export interface FaultRule {
  match: (req: FaultRequest) => boolean;
  times?: number;
  skip?: number;
  fault: Fault;
}

export type FaultPlan = FaultRule[];

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  hadAuthorization: boolean;
  scheme: 'http' | 'https';
  fault?: string;
  durationMs: number;
}

export type RequestFilter = ((r: RecordedRequest) => boolean) | { method?: string; path?: RegExp | string; status?: number };

export interface FaultProxy {
  host: string;
  url: string;
  requests: RecordedRequest[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  pendingFaults(): number;
  count(filter?: RequestFilter): number;
  reset(): void;
  saw(needle: string): boolean;
  stop(): Promise<void>;
}

export function match(spec: { method?: string; path?: RegExp | string }): (req: FaultRequest) => boolean {
  return (req) =>
    (spec.method === undefined || req.method === spec.method.toUpperCase()) &&
    (spec.path === undefined || (typeof spec.path === 'string' ? req.path.startsWith(spec.path) : spec.path.test(req.path)));
}

interface RuleState {
  rule: FaultRule;
  skipped: number;
  used: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function faultLabel(f: Fault): string {
  if ('status' in f) return `status ${f.status}`;
  if ('reset' in f) return `reset ${f.reset}`;
  if ('truncate' in f) return `truncate ${f.truncate}`;
  if ('corrupt' in f) return 'corrupt';
  if ('redirect' in f) return `redirect ${f.redirectStatus ?? 307}`;
  if ('locationScheme' in f) return `location ${f.locationScheme}`;
  if ('hang' in f) return 'hang';
  return `delay ${f.delayMs}`;
}

function errorCode(status: number): string {
  if (status === 429) return 'TOOMANYREQUESTS';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 404) return 'NAME_UNKNOWN';
  return 'UNAVAILABLE';
}

const RECORD_BODY_BYTES = 1 << 20;

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) {
      resolve();
      return;
    }
    req.on('end', () => resolve());
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}

/**
 * One loopback port for both servers: the first byte tells a TLS ClientHello (0x16) from plain HTTP, so
 * `http://` and `https://` URLs naming the same host:port reach the same proxy, as they would reach one
 * host behind a TLS-terminating front.
 */
async function listen(handler: RequestListener, opts: FaultProxyOptions): Promise<{ port: number; stop: () => Promise<void> }> {
  const plain = createServer(handler);
  const secure = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : undefined;
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (secure && first[0] === 0x16 ? secure : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => front.close(() => resolve()));
  };
  onCleanup(stop);
  return { port, stop };
}

export async function startFaultProxy(targetHost: string, plan: FaultPlan = [], opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const [upHost, upPortStr] = targetHost.includes(':') ? [targetHost.slice(0, targetHost.lastIndexOf(':')), targetHost.slice(targetHost.lastIndexOf(':') + 1)] : [targetHost, '80'];
  const upPort = Number(upPortStr);
  const rules: RuleState[] = plan.map((rule) => ({ rule, skipped: 0, used: 0 }));
  const requests: RecordedRequest[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let arrival = 0;
  let proxyHost = '';
  const ownScheme = opts.tls ? 'https' : 'http';
  /** Header and body text of each request, for saw(); test-only, so secrets may sit here. */
  const seenText: string[] = [];

  const pick = (fr: FaultRequest): Fault | undefined => {
    for (const st of rules) {
      const times = st.rule.times ?? 1;
      if (st.used >= times) continue;
      if (!st.rule.match(fr)) continue;
      if (st.skipped < (st.rule.skip ?? 0)) {
        st.skipped++;
        continue;
      }
      st.used++;
      return st.rule.fault;
    }
    return undefined;
  };

  const rewriteLocation = (value: string, scheme: string): string => {
    for (const prefix of [`http://${targetHost}`, `https://${targetHost}`, `http://${proxyHost}`, `https://${proxyHost}`]) {
      if (value.startsWith(prefix)) return `${scheme}://${proxyHost}${value.slice(prefix.length)}`;
    }
    // A relative Location means this origin; a downgrade must spell the scheme out.
    if (scheme === 'http' && value.startsWith('/')) return `${scheme}://${proxyHost}${value}`;
    return value;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
    const rec: RecordedRequest = { method, path, status: 0, hadAuthorization: req.headers.authorization !== undefined, scheme, durationMs: 0 };
    requests.push(rec);
    const textIndex = seenText.push(`${path}\n${JSON.stringify(req.headers)}\n`) - 1;
    let recorded = 0;
    req.on('data', (chunk: Buffer) => {
      if (recorded >= RECORD_BODY_BYTES) return;
      recorded += chunk.length;
      seenText[textIndex] += chunk.subarray(0, RECORD_BODY_BYTES).toString('latin1');
    });
    const done = (): void => {
      rec.durationMs = Date.now() - started;
    };
    res.on('finish', done);
    res.on('close', done);
    const fault = pick({ method, path, headers: req.headers, index: arrival++ });
    if (fault) rec.fault = faultLabel(fault);

    if (fault && 'status' in fault) {
      await drain(req);
      const body =
        fault.body ?? JSON.stringify({ errors: [{ code: errorCode(fault.status), message: `injected ${fault.status}`, detail: null }] });
      const headers: OutgoingHttpHeaders = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'docker-distribution-api-version': 'registry/2.0',
        ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
        ...(fault.headers ?? {}),
      };
      rec.status = fault.status;
      res.writeHead(fault.status, headers);
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    if (fault && 'hang' in fault) {
      await drain(req);
      return;
    }
    if (fault && 'redirect' in fault) {
      await drain(req);
      const status = fault.redirectStatus ?? 307;
      rec.status = status;
      const location = typeof fault.redirect === 'function' ? fault.redirect({ method, path, headers: req.headers, index: arrival - 1 }) : fault.redirect;
      res.writeHead(status, { location, 'content-length': 0 });
      res.end();
      return;
    }
    if (fault && 'reset' in fault && fault.reset === 'before-response') {
      await drain(req);
      req.socket.destroy();
      return;
    }
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));

    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    }
    headers.host = targetHost;
    const upReq = httpRequest({ host: upHost, port: upPort, method, path, headers, agent });
    upReq.on('error', (e) => {
      if (!res.headersSent) {
        rec.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream error: ${e.message}`);
      } else {
        res.destroy();
      }
    });
    upReq.on('response', (upRes) => {
      const status = upRes.statusCode ?? 502;
      rec.status = status;
      const out: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upRes.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k)) continue;
        out[k] = k === 'location' && typeof v === 'string' ? rewriteLocation(v, fault && 'locationScheme' in fault ? fault.locationScheme : scheme) : v;
      }
      const declared = upRes.headers['content-length'] !== undefined ? Number(upRes.headers['content-length']) : undefined;
      const hasBody = method !== 'HEAD' && status !== 204 && status !== 304;

      if (fault && 'reset' in fault) {
        // mid-body: headers plus about half the body, then the connection dies
        const limit = declared !== undefined ? Math.floor(declared / 2) : 1;
        res.writeHead(status, out);
        res.flushHeaders();
        if (!hasBody || limit === 0) {
          upRes.resume();
          setImmediate(() => res.destroy());
          return;
        }
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) {
            upRes.destroy();
            setTimeout(() => res.destroy(), 20);
          }
        });
        upRes.on('end', () => res.destroy());
        return;
      }
      if (fault && 'truncate' in fault && hasBody) {
        const n = Math.max(0, declared !== undefined ? Math.min(fault.truncate, declared) : fault.truncate);
        out['content-length'] = n;
        res.writeHead(status, out);
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          if (sent >= n) return;
          const part = chunk.subarray(0, n - sent);
          sent += part.length;
          res.write(part);
        });
        upRes.on('end', () => res.end());
        upRes.on('error', () => res.destroy());
        return;
      }
      if (fault && 'corrupt' in fault && hasBody) {
        res.writeHead(status, out);
        let first = true;
        upRes.on('data', (chunk: Buffer) => {
          if (first && chunk.length > 0) {
            first = false;
            const copy = Buffer.from(chunk);
            copy[0] = (copy[0] ?? 0) ^ 0xff;
            res.write(copy);
          } else {
            res.write(chunk);
          }
        });
        upRes.on('end', () => res.end());
        upRes.on('error', () => res.destroy());
        return;
      }
      res.writeHead(status, out);
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    req.pipe(upReq);
  };

  const front = await listen((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(`fault proxy error: ${String(e)}`);
    });
  }, opts);
  proxyHost = `127.0.0.1:${front.port}`;
  const stop = async (): Promise<void> => {
    await front.stop();
    agent.destroy();
  };

  const toPredicate = (filter: RequestFilter | undefined): ((r: RecordedRequest) => boolean) => {
    if (filter === undefined) return () => true;
    if (typeof filter === 'function') return filter;
    return (r) =>
      (filter.method === undefined || r.method === filter.method.toUpperCase()) &&
      (filter.status === undefined || r.status === filter.status) &&
      (filter.path === undefined || (typeof filter.path === 'string' ? r.path.startsWith(filter.path) : filter.path.test(r.path)));
  };

  return {
    host: proxyHost,
    url: `${ownScheme}://${proxyHost}`,
    requests,
    addFault(rule) {
      rules.push({ rule, skipped: 0, used: 0 });
    },
    clearFaults() {
      rules.length = 0;
    },
    pendingFaults() {
      return rules.reduce((n, st) => n + Math.max(0, (st.rule.times ?? 1) - st.used), 0);
    },
    count(filter) {
      return requests.filter(toPredicate(filter)).length;
    },
    reset() {
      requests.length = 0;
      seenText.length = 0;
    },
    saw(needle) {
      const forms = [needle, Buffer.from(needle).toString('base64'), encodeURIComponent(needle)];
      return seenText.some((t) => forms.some((f) => t.includes(f)));
    },
    stop,
  };
}

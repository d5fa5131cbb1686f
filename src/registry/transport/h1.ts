// A lean HTTP/1.1 client for registry traffic: keep-alive connections per origin, one exchange at a time on
// each (no pipelining), Content-Length, chunked and close-delimited bodies, no decoding.
//
// Why not node:http or undici: on the copy path (hundreds of small requests plus streamed blobs) node:http
// costs about 110-185 us CPU per keep-alive request here against 50-65 us for this client (bench in
// bench/registry-copy-notes.md), because each request builds a ClientRequest, an IncomingMessage, a parser
// from a free list and a dozen listeners; undici's wasm parser copies every body byte and measured slower
// still. Everything above this layer (auth, redirects, retries, the cleartext guard) is unchanged.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ProxyRoute } from './proxy';

export interface WireRequest {
  secure: boolean;
  /** Host to connect to: a name or an IP literal without brackets. */
  host: string;
  port: number;
  /** The Host header: host[:port], IPv6 in brackets, default port omitted. */
  authority: string;
  method: string;
  /** Path and query, already percent-encoded. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: Uint8Array | string | Readable;
  /**
   * Through this proxy (the same for every request to the origin): a TLS origin through a CONNECT tunnel, a plain
   * one in absolute form ("GET http://host/path"), as Go's net/http does.
   */
  proxy?: ProxyRoute;
  /**
   * The body stream's chunks are held by nobody else once written (a blob piped from a GET into this PUT, hashed
   * on the way): the pool may take the memory of those it read itself back for its next reads.
   */
  lendBody?: boolean;
}

export interface WireResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Map<string, string>;
  body: WireBody;
  /** No body at all (HEAD, 204, 304, Content-Length: 0): `body` is an ended stream, made only if asked for. */
  empty: boolean;
}

/** Most registry answers (HEAD, upload POST and PUT) have no body: no stream is built for them unless read. */
class EmptyResponse implements WireResponse {
  readonly empty = true;
  private made: WireBody | undefined;
  constructor(readonly status: number, readonly statusText: string, readonly headers: Map<string, string>) {}
  get body(): WireBody {
    if (!this.made) {
      this.made = new WireBody(() => undefined, () => undefined);
      this.made.complete = true;
      this.made.push(null);
    }
    return this.made;
  }
}

export interface PoolOptions {
  /** Idle budget while an exchange is under way (waiting for headers, or any stall of either body). */
  timeoutMs: number;
  /** Connections per origin, busy or idle; further requests wait for one. */
  maxSockets: number;
  /** An idle connection is not reused after this long; default 20 s (registries drop theirs after 60 s or more). */
  idleMs?: number;
}

/** A network fault with a code, classified like the socket errors Node raises (see neterror.ts). */
export class WireError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

const MAX_HEAD = 64 * 1024;
const READ_BYTES = 512 * 1024;
/** Read buffers a pool keeps for reuse: 16 MiB at most. */
const SPARE_BUFFERS = 32;
const MAX_CHUNK_LINE = 4096;
const IDLE_MS = 20_000;
/** A request body up to this size goes out in one write with its head. */
const SMALL_BODY = 64 * 1024;
/** Chunks gathered before one corked (writev) write of a streamed request body. */
const BATCH_BYTES = 1 << 20;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, space and tab (what node:http allows too); never CR, LF or NUL.
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BAD_PATH = /[^\x21-\x7e]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;

/**
 * Field names checked once each: a registry sends the same dozen on every answer, and a request the same few.
 * Bounded, so a hostile server inventing names costs a regexp test per name, as it would without the cache.
 */
const NAMES = new Map<string, string>();
function fieldName(raw: string): string | undefined {
  const known = NAMES.get(raw);
  if (known !== undefined) return known;
  if (!TOKEN.test(raw)) return undefined;
  const key = raw.toLowerCase();
  if (NAMES.size < 256) NAMES.set(raw, key);
  return key;
}

/** The body of a response: a Node stream that frees its connection as soon as the last byte is in. */
export class WireBody extends Readable {
  /** The whole message has arrived (it may still sit in this stream's buffer). */
  complete = false;
  constructor(private readonly onDemand: () => void, private readonly onAbort: () => void) {
    super({ highWaterMark: 256 * 1024 });
  }
  override _read(): void {
    this.onDemand();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.complete) this.onAbort();
    // As IncomingMessage does: an error is emitted only to a listener; a reader that comes later sees a
    // premature close instead of the process dying of an unhandled 'error'.
    cb(err && this.listenerCount('error') > 0 ? err : null);
  }
}

type Framing = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/** The message ends with its head: no body follows. */
const bodiless = (f: Framing): boolean => f.kind === 'none' || (f.kind === 'length' && f.left === 0);

function head(req: WireRequest, bodyLength: number | undefined): string {
  if (!TOKEN.test(req.method)) throw new WireError(`invalid HTTP method ${JSON.stringify(req.method)}`, 'ERR_INVALID_HTTP_TOKEN');
  if (req.path === '' || BAD_PATH.test(req.path)) throw new WireError('request path contains unescaped characters', 'ERR_UNESCAPED_CHARACTERS');
  // A plain origin through a proxy: absolute form, and the proxy's credentials (a TLS origin tunnels instead).
  const proxy = req.secure ? undefined : req.proxy;
  let s = `${req.method} ${proxy ? `http://${req.authority}${req.path}` : req.path} HTTP/1.1\r\nhost: ${req.authority}\r\n`;
  if (proxy?.authorization) s += `proxy-authorization: ${proxy.authorization}\r\n`;
  for (const name of Object.keys(req.headers)) {
    const value = req.headers[name] as string;
    if (fieldName(name) === undefined) throw new WireError(`invalid header name ${JSON.stringify(name)}`, 'ERR_INVALID_HTTP_TOKEN');
    if (BAD_VALUE.test(value)) throw new WireError(`invalid character in header content ["${name}"]`, 'ERR_INVALID_CHAR');
    if (name === 'host' || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    s += `${name}: ${value}\r\n`;
  }
  if (bodyLength !== undefined) s += `content-length: ${bodyLength}\r\n`;
  else if (req.body !== undefined) s += 'transfer-encoding: chunked\r\n';
  return `${s}\r\n`;
}

/** The length a request declares: the caller's Content-Length for a stream, the byte length otherwise. */
function declaredLength(req: WireRequest): number | undefined {
  const body = req.body;
  if (body === undefined) return ['POST', 'PUT', 'PATCH'].includes(req.method) ? 0 : undefined;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  const given = req.headers['content-length'];
  if (given === undefined) return undefined;
  if (!/^\d{1,15}$/.test(given)) throw new WireError(`invalid content-length ${JSON.stringify(given)}`, 'ERR_INVALID_CHAR');
  return Number(given);
}

/**
 * Read buffers shared by a pool's connections. A blob chunk that is a whole read is lent out as it is; the upload
 * it feeds gives it back once the socket has taken it, so a copy reads into the same few megabytes instead of
 * fresh pages each time (about 9,000 page faults, 15 ms of kernel time, per 120 MB; bench/registry-copy-notes.md).
 */
class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly ours = new WeakSet<ArrayBuffer>();
  /** Chunks pushed into a body exactly as read: the only view of their buffer, so safe to take back. */
  private readonly whole = new WeakSet<Buffer>();
  take(): Buffer {
    const b = this.free.pop();
    if (b) return b;
    const fresh = Buffer.allocUnsafeSlow(READ_BYTES);
    this.ours.add(fresh.buffer as ArrayBuffer);
    return fresh;
  }
  /** `chunk` is handed on as the only view of its read buffer. */
  lent(chunk: Buffer): void {
    if (chunk.byteOffset === 0 && this.ours.has(chunk.buffer as ArrayBuffer)) this.whole.add(chunk);
  }
  /** `to` (the body after a response head) is now the only live view of lent `from`'s buffer. */
  handOn(from: Buffer, to: Buffer): void {
    if (this.whole.delete(from)) this.whole.add(to);
  }
  /** A lent chunk is written and held by nobody: its buffer serves the next read. Anything else is ignored. */
  give(chunk: Buffer): void {
    if (!this.whole.delete(chunk) || this.free.length >= SPARE_BUFFERS) return;
    this.free.push(Buffer.from(chunk.buffer, 0, READ_BYTES));
  }
}

/**
 * Socket reads into large buffers (plain TCP; TLS keeps its own): a quarter as many read callbacks as
 * libuv's 64 KiB, and no fresh allocation for the small reads of headers. A read that fills at least half a
 * buffer is handed on as is (the next read gets another buffer from the pool); a smaller one is copied out and
 * the buffer kept, so a chunk never pins more than twice its size. Measured on blob GETs: about 30 % less CPU
 * than 'data' events at 16 MB layers (bench/registry-copy-notes.md).
 */
class ReadBuffers {
  private spare: Buffer | undefined;
  constructor(private readonly pool: BufferPool) {}
  options(deliver: (d: Buffer) => void): { buffer: () => Buffer; callback: (n: number, buf: Buffer) => boolean } {
    return {
      buffer: () => (this.spare ??= this.pool.take()),
      callback: (n, buf) => {
        if (n >= READ_BYTES / 2) {
          this.spare = undefined;
          const chunk = buf.subarray(0, n);
          // Framing that cuts this read (a body's end, chunk boundaries) pushes new views, never this object.
          this.pool.lent(chunk);
          deliver(chunk);
        } else deliver(Buffer.from(buf.subarray(0, n)));
        return true;
      },
    };
  }
}

class Origin {
  readonly idle: Conn[] = [];
  open = 0;
  readonly waiters: Waiter[] = [];
  session: Buffer | undefined;
  constructor(
    readonly key: string,
    readonly secure: boolean,
    readonly host: string,
    readonly port: number,
    readonly authority: string,
    readonly proxy: ProxyRoute | undefined,
  ) {}
}

/** One connection; `exchange` is the request/response in flight on it, if any. */
class Conn {
  exchange: Exchange | undefined;
  reused = false;
  dead = false;
  /** When it went back to the pool (Date.now()). */
  idleSince = 0;
  constructor(readonly socket: Socket, readonly origin: Origin, private readonly pool: WirePool, readonly buffers: BufferPool) {
    socket.on('data', (d: Buffer) => this.onBytes(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(undefined));
    socket.on('end', () => this.exchange?.onEnd());
    socket.on('timeout', () => {
      if (this.exchange) this.exchange.onTimeout();
      else this.kill();
    });
  }
  onBytes(d: Buffer): void {
    if (this.exchange) this.exchange.onData(d);
    else this.kill(); // bytes nobody asked for: the stream is out of step
  }
  private fail(e: Error | undefined): void {
    const x = this.exchange;
    this.exchange = undefined;
    if (!this.dead) {
      this.dead = true;
      this.pool.closed(this);
    }
    x?.onClose(e);
  }
  kill(): void {
    this.socket.destroy();
  }
}

/** One request and its response on a connection. */
class Exchange {
  private buf: Buffer | undefined;
  private scanned = 0;
  private framing: Framing | undefined;
  private response: WireResponse | undefined;
  private keepAlive = true;
  private requestDone = false;
  private responseDone = false;
  private gotBytes = false;
  private chunkLeft = 0;
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private stopPump: (() => void) | undefined;

  constructor(
    private readonly conn: Conn,
    private readonly req: WireRequest,
    private readonly timeoutMs: number,
    private readonly resolve: (r: WireResponse) => void,
    private readonly reject: (e: Error, retryable: boolean) => void,
    private readonly release: (c: Conn, reusable: boolean) => void,
  ) {}

  start(): void {
    const { socket } = this.conn;
    const body = this.req.body;
    let text: string;
    try {
      text = head(this.req, declaredLength(this.req));
    } catch (e) {
      this.conn.exchange = undefined;
      this.release(this.conn, true);
      this.reject(e as Error, false);
      return;
    }
    if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
      if (body === undefined || (typeof body === 'string' ? body.length === 0 : body.byteLength === 0)) socket.write(text, 'latin1');
      else if (typeof body === 'string') socket.write(Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from(body)]));
      else if (body.byteLength <= SMALL_BODY) socket.write(Buffer.concat([Buffer.from(text, 'latin1'), body]));
      else {
        socket.cork();
        socket.write(text, 'latin1');
        socket.write(body);
        socket.uncork();
      }
      this.requestDone = true;
      return;
    }
    // The head waits for the first batch of the body: one write for both, as for a small body.
    this.pump(body, this.req.headers['content-length'] === undefined, text);
  }

  /** Source stream → socket, in corked batches (one writev per poll phase), paused while the socket is full. */
  private pump(source: Readable, chunked: boolean, headText: string): void {
    const { socket } = this.conn;
    let pendingHead: string | undefined = headText;
    const sendHead = (): void => {
      if (pendingHead === undefined) return;
      socket.write(pendingHead, 'latin1');
      pendingHead = undefined;
    };
    // A lent body: each chunk written goes back to the read buffers it came from.
    const buffers = this.req.lendBody === true ? this.conn.buffers : undefined;
    let batch: Buffer[] = [];
    let bytes = 0;
    let scheduled = false;
    let stopped = false;
    const flush = (): void => {
      scheduled = false;
      if (stopped || batch.length === 0) return;
      socket.cork();
      let ok = true;
      sendHead();
      if (chunked) ok = socket.write(`${bytes.toString(16)}\r\n`, 'latin1');
      if (buffers) for (const c of batch) ok = socket.write(c, (e) => e || buffers.give(c));
      else for (const c of batch) ok = socket.write(c);
      if (chunked) ok = socket.write('\r\n', 'latin1');
      socket.uncork();
      batch = [];
      bytes = 0;
      if (!ok && !source.isPaused()) {
        source.pause();
        socket.once('drain', () => {
          if (!stopped) source.resume();
        });
      }
    };
    const onData = (chunk: Buffer): void => {
      batch.push(chunk);
      bytes += chunk.length;
      if (bytes >= BATCH_BYTES) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    const onEnd = (): void => {
      flush();
      sendHead(); // an empty body
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      cleanup();
      this.requestDone = true;
      if (this.responseDone) this.finish();
    };
    // A failing source aborts the upload with the source's error (a transfer fault, worth a retry).
    const onError = (e: Error): void => {
      cleanup();
      this.abort(e);
    };
    const cleanup = (): void => {
      stopped = true;
      batch = [];
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    this.stopPump = () => {
      if (stopped) return;
      cleanup();
      source.pause();
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    source.resume();
  }

  onData(d: Buffer): void {
    this.gotBytes = true;
    if (this.framing === undefined) {
      const buf = this.buf ? Buffer.concat([this.buf, d]) : d;
      const end = buf.indexOf('\r\n\r\n', Math.max(0, this.scanned - 3), 'latin1');
      if (end < 0 || end > MAX_HEAD) {
        if (end > MAX_HEAD || buf.length > MAX_HEAD) return this.abort(new WireError(`response header over ${MAX_HEAD} bytes`, 'HPE_HEADER_OVERFLOW'));
        this.buf = buf;
        this.scanned = buf.length;
        return;
      }
      this.buf = undefined;
      this.scanned = 0;
      if (!this.parseHead(buf.toString('latin1', 0, end))) return;
      const rest = buf.subarray(end + 4);
      // The head went out as a string: the body's start is all that is left of this read.
      this.conn.buffers.handOn(buf, rest);
      const f = this.framing as Framing | undefined; // set by parseHead, unless the answer was interim
      if (f === undefined) {
        // An interim (1xx) response: the real one follows.
        if (rest.length > 0) this.onData(rest);
        return;
      }
      if (bodiless(f)) {
        if (rest.length > 0) this.keepAlive = false;
        this.bodyDone();
      }
      if (rest.length > 0) this.body(rest);
      return;
    }
    this.body(d);
  }

  /** Parses the status line and fields; false when the exchange was aborted. */
  private parseHead(text: string): boolean {
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const m = STATUS_LINE.exec(text.slice(0, eol));
    if (!m) {
      this.abort(new WireError('malformed HTTP status line', 'HPE_INVALID_CONSTANT'));
      return false;
    }
    const status = Number(m[2]);
    if (status >= 100 && status < 200) {
      if (status === 101) {
        this.abort(new WireError('unexpected protocol switch (101)', 'HPE_UNEXPECTED_UPGRADE'));
        return false;
      }
      return true;
    }
    const headers = new Map<string, string>();
    for (let at = eol + 2; at < text.length + 2; ) {
      let end = text.indexOf('\r\n', at);
      if (end < 0) end = text.length;
      const colon = text.indexOf(':', at);
      const key = colon > at && colon < end ? fieldName(text.slice(at, colon)) : undefined;
      if (key === undefined) {
        this.abort(new WireError('malformed response header field', 'HPE_INVALID_HEADER_TOKEN'));
        return false;
      }
      const value = text.slice(colon + 1, end).trim();
      const prev = headers.get(key);
      headers.set(key, prev === undefined ? value : `${prev}, ${value}`);
      at = end + 2;
    }
    if (m[1] === '0' || /(^|,)\s*close\s*(,|$)/i.test(headers.get('connection') ?? '')) this.keepAlive = false;
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (this.req.method === 'HEAD' || status === 204 || status === 304) this.framing = { kind: 'none' };
    else if (te !== undefined) {
      if (/(^|,)\s*chunked\s*$/i.test(te)) this.framing = { kind: 'chunked' };
      else {
        this.framing = { kind: 'close' };
        this.keepAlive = false;
      }
      if (cl !== undefined) this.keepAlive = false; // both: a smuggling shape; read it, never reuse the connection
    } else if (cl !== undefined) {
      const values = cl.split(',').map((v) => v.trim());
      if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
        this.abort(new WireError(`invalid content-length ${JSON.stringify(cl)}`, 'HPE_UNEXPECTED_CONTENT_LENGTH'));
        return false;
      }
      this.framing = { kind: 'length', left: Number(values[0]) };
    } else {
      this.framing = { kind: 'close' };
      this.keepAlive = false;
    }
    this.response = bodiless(this.framing)
      ? new EmptyResponse(status, m[3] ?? '', headers)
      : { status, statusText: m[3] ?? '', headers, body: this.newBody(), empty: false };
    // An early answer to an upload (e.g. 401, 413): the rest of the body is not sent; the connection goes.
    if (!this.requestDone) {
      this.keepAlive = false;
      this.stopPump?.();
    }
    this.resolve(this.response);
    return true;
  }

  private newBody(): WireBody {
    const { socket } = this.conn;
    return new WireBody(
      () => {
        if (!this.responseDone) socket.resume();
      },
      () => {
        // The reader gave up on the body: the connection is mid-message, so it cannot be reused.
        if (!this.responseDone) this.conn.kill();
      },
    );
  }

  private push(bytes: Buffer): void {
    const body = (this.response as WireResponse).body;
    if (!body.destroyed && !body.push(bytes)) this.conn.socket.pause();
  }

  private body(d: Buffer): void {
    const f = this.framing as Framing;
    if (this.responseDone) return this.extra();
    if (f.kind === 'close') return this.push(d);
    if (f.kind === 'length') {
      if (d.length <= f.left) {
        f.left -= d.length;
        if (d.length > 0) this.push(d);
        if (f.left === 0) this.bodyDone();
        return;
      }
      const n = f.left;
      f.left = 0;
      this.keepAlive = false; // decided before the connection is released
      if (n > 0) this.push(d.subarray(0, n));
      this.bodyDone();
      this.extra();
      return;
    }
    this.chunked(d);
  }

  /** Bytes past the end of a response: nothing was pipelined, so the connection is out of step. */
  private extra(): void {
    this.keepAlive = false;
    if (this.responseDone) this.conn.kill();
  }

  private chunked(input: Buffer): void {
    let d = this.buf ? Buffer.concat([this.buf, input]) : input;
    this.buf = undefined;
    while (d.length > 0) {
      if (this.chunkState === 'data') {
        const n = Math.min(this.chunkLeft, d.length);
        this.push(d.subarray(0, n));
        this.chunkLeft -= n;
        d = d.subarray(n);
        if (this.chunkLeft === 0) this.chunkState = 'crlf';
        continue;
      }
      const eol = d.indexOf('\r\n', 0, 'latin1');
      if (eol < 0) {
        if (d.length > MAX_CHUNK_LINE) return this.abort(new WireError('malformed chunked encoding', 'HPE_INVALID_CHUNK_SIZE'));
        this.buf = Buffer.from(d);
        return;
      }
      const line = d.toString('latin1', 0, eol);
      d = d.subarray(eol + 2);
      if (this.chunkState === 'crlf') {
        if (line !== '') return this.abort(new WireError('malformed chunked encoding', 'HPE_INVALID_CHUNK_SIZE'));
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const m = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(line);
        if (!m) return this.abort(new WireError('malformed chunked encoding', 'HPE_INVALID_CHUNK_SIZE'));
        this.chunkLeft = parseInt(m[1] as string, 16);
        this.chunkState = this.chunkLeft === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        if (d.length > 0) this.keepAlive = false;
        this.bodyDone();
        if (d.length > 0) this.extra();
        return;
      }
    }
  }

  private bodyDone(): void {
    if (this.responseDone) return;
    this.responseDone = true;
    const res = this.response as WireResponse;
    if (!res.empty) {
      res.body.complete = true;
      res.body.push(null);
    }
    if (this.requestDone) this.finish();
  }

  /** Both directions are through: the connection goes back to the pool (or is closed). */
  private finish(): void {
    if (this.conn.exchange !== this) return;
    this.conn.exchange = undefined;
    this.release(this.conn, this.keepAlive);
  }

  onEnd(): void {
    // The server half-closed: that ends a close-delimited body; anything else is cut short.
    if (this.framing?.kind === 'close') this.bodyDone();
  }

  onTimeout(): void {
    const what = this.response ? 'response body' : 'response headers';
    this.abort(new WireError(`timed out after ${this.timeoutMs} ms waiting for ${what}`, 'REIMAGE_TIMEOUT'));
  }

  /** The connection closed (or failed) under this exchange. */
  onClose(e: Error | undefined): void {
    this.stopPump?.();
    if (this.framing?.kind === 'close' && !e) return this.bodyDone();
    if (this.responseDone) return;
    const err = e ?? new WireError(this.response ? 'connection closed before the response body ended' : 'socket hang up', 'ECONNRESET');
    if (this.response) {
      this.response.body.destroy(err);
      return;
    }
    // A kept-alive connection the server closed while idle: nothing of ours was processed, so a fresh one may try.
    const replayable = !(this.req.body instanceof Readable);
    this.reject(err, this.conn.reused && !this.gotBytes && replayable && e === undefined);
  }

  abort(e: Error): void {
    this.conn.socket.destroy(e);
  }
}

/** Connections per origin, reused LIFO; what `http.Agent` does for node:http, minus what registries never need. */
export class WirePool {
  private readonly origins = new Map<string, Origin>();
  private readonly buffers = new BufferPool();
  constructor(private readonly opts: PoolOptions) {}

  request(req: WireRequest): Promise<WireResponse> {
    return new Promise<WireResponse>((resolve, reject) => this.send(req, resolve, reject, false));
  }

  private send(req: WireRequest, resolve: (r: WireResponse) => void, reject: (e: Error) => void, retried: boolean): void {
    const key = `${req.secure ? 's' : ''}${req.host}:${req.port}`;
    let origin = this.origins.get(key);
    if (!origin) {
      origin = new Origin(key, req.secure, req.host, req.port, req.authority, req.proxy);
      this.origins.set(key, origin);
    }
    this.acquire(origin, retried, {
      use: (conn) => {
        const x = new Exchange(conn, req, this.opts.timeoutMs, resolve, (e, retryable) => {
          if (retryable && !retried) this.send(req, resolve, reject, true);
          else reject(e);
        }, (c, reusable) => this.release(c, reusable));
        conn.exchange = x;
        x.start();
      },
      fail: reject,
    });
  }

  private acquire(origin: Origin, fresh: boolean, waiter: Waiter): void {
    const now = fresh ? 0 : Date.now();
    while (!fresh && origin.idle.length > 0) {
      const c = origin.idle.pop() as Conn;
      if (c.dead) continue;
      if (now - c.idleSince > (this.opts.idleMs ?? IDLE_MS)) {
        c.kill(); // idle long enough that the server may be closing it: not worth the race
        continue;
      }
      c.reused = true;
      c.socket.ref();
      return waiter.use(c);
    }
    if (origin.open < this.opts.maxSockets) return this.open(origin, waiter);
    origin.waiters.push(waiter);
  }

  /** A new connection for `waiter`: at once, or once a proxy's CONNECT tunnel is up. */
  private open(origin: Origin, waiter: Waiter): void {
    origin.open++;
    if (!origin.proxy || !origin.secure) return waiter.use(this.connect(origin));
    tunnel(origin, this.opts.timeoutMs).then(
      (raw) => waiter.use(this.connect(origin, raw)),
      (e: Error) => {
        origin.open--;
        waiter.fail(e);
        const next = origin.waiters.shift();
        if (next) this.open(origin, next);
      },
    );
  }

  /** `raw`: a proxy's tunnel to the origin, for TLS to run over. */
  private connect(origin: Origin, raw?: Socket): Conn {
    const reads = new ReadBuffers(this.buffers);
    // eslint-disable-next-line prefer-const -- the read callback needs the Conn the socket is given to
    let conn: Conn;
    // Without a tunnel, a proxied origin's requests go to the proxy itself.
    const hop = origin.proxy && !raw ? origin.proxy : origin;
    const socket = origin.secure || (hop === origin.proxy && hop.secure)
      ? tlsTo(hop.host, {
          ...(raw ? { socket: raw } : { host: hop.host, port: hop.port }),
          ALPNProtocols: ['http/1.1'],
          ...(origin.session && hop === origin ? { session: origin.session } : {}),
        })
      : netConnect({ host: hop.host, port: hop.port, onread: reads.options((d) => conn.onBytes(d)) });
    if (origin.secure) socket.on('session', (s: Buffer) => (origin.session = s));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    // One idle timer per connection, refreshed by every read and write: it covers the wait for each response
    // and every stall of either body. An idle connection is dropped at its next use instead (see acquire).
    socket.setTimeout(this.opts.timeoutMs);
    conn = new Conn(socket, origin, this, this.buffers);
    return conn;
  }

  private release(c: Conn, reusable: boolean): void {
    if (c.dead) return;
    if (!reusable) {
      c.kill();
      return;
    }
    c.socket.resume(); // a body that filled its buffer paused the socket; that body is all in now
    const next = c.origin.waiters.shift();
    if (next) {
      c.reused = true;
      return next.use(c);
    }
    c.idleSince = Date.now();
    c.socket.unref();
    c.origin.idle.push(c);
  }

  /** A connection is gone: its slot goes to the next waiter, on a new connection. */
  closed(c: Conn): void {
    const o = c.origin;
    o.open--;
    const i = o.idle.indexOf(c);
    if (i >= 0) o.idle.splice(i, 1);
    const next = o.waiters.shift();
    if (next) this.open(o, next);
  }
}

/**
 * TLS to `host` (named by SNI unless it is an IP). node:tls loads with the first TLS connection: a run against
 * plain-HTTP registries never needs it (ping.ts asks a loopback port without it).
 */
function tlsTo(host: string, opts: import('node:tls').ConnectionOptions): Socket {
  return (require('node:tls') as typeof import('node:tls')).connect({ ...opts, ...(isIP(host) ? {} : { servername: host }) });
}

/** Drops a socket nobody reads again: its listeners go, and a late error is ignored. */
export function dropSocket(socket: Socket): void {
  socket.removeAllListeners();
  socket.on('error', () => undefined);
  socket.destroy();
}

interface Waiter {
  use: (c: Conn) => void;
  fail: (e: Error) => void;
}

/**
 * A CONNECT tunnel through the origin's proxy: the proxy's socket once it answered 2xx (TLS to the origin runs
 * over it). Anything else is an error naming the proxy by its label (no credentials) and its answer.
 */
function tunnel(origin: Origin, timeoutMs: number): Promise<Socket> {
  const proxy = origin.proxy as ProxyRoute;
  return new Promise((resolve, reject) => {
    const sock: Socket = proxy.secure ? tlsTo(proxy.host, { host: proxy.host, port: proxy.port }) : netConnect({ host: proxy.host, port: proxy.port });
    let got = Buffer.alloc(0);
    const fail = (e: Error): void => {
      dropSocket(sock);
      reject(e);
    };
    sock.setTimeout(timeoutMs, () => fail(new WireError(`timed out after ${timeoutMs} ms waiting for proxy ${proxy.label} to open a tunnel to ${origin.authority}`, 'REIMAGE_TIMEOUT')));
    sock.once(proxy.secure ? 'secureConnect' : 'connect', () => {
      const auth = proxy.authorization ? `proxy-authorization: ${proxy.authorization}\r\n` : '';
      sock.write(`CONNECT ${origin.authority} HTTP/1.1\r\nhost: ${origin.authority}\r\n${auth}\r\n`, 'latin1');
    });
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) {
        if (got.length > MAX_HEAD) fail(new WireError(`proxy ${proxy.label} sent a CONNECT answer over ${MAX_HEAD} bytes`, 'HPE_HEADER_OVERFLOW'));
        return;
      }
      const m = STATUS_LINE.exec(got.toString('latin1', 0, got.indexOf('\r\n')));
      if (!m) return fail(new WireError(`proxy ${proxy.label} answered CONNECT with a malformed status line`, 'HPE_INVALID_CONSTANT'));
      const status = Number(m[2]);
      if (status < 200 || status > 299) {
        // 407, or 401 as tinyproxy answers: the proxy's own credentials
        const hint = status === 407 || status === 401 ? ' (check the user and password in the proxy URL)' : '';
        // 502-504: the proxy could not reach the registry for now; worth the retry a network fault gets.
        return fail(new WireError(`proxy ${proxy.label} refused a tunnel to ${origin.authority}: ${status} ${m[3] ?? ''}`.trimEnd() + hint, status >= 502 && status <= 504 ? 'ECONNRESET' : 'REIMAGE_PROXY'));
      }
      // The origin speaks only after our TLS hello: bytes past the answer mean the stream is out of step.
      if (got.length > end + 4) return fail(new WireError(`proxy ${proxy.label} sent bytes after its CONNECT answer`, 'HPE_INVALID_CONSTANT'));
      sock.removeAllListeners();
      sock.setTimeout(0);
      resolve(sock);
    });
    sock.once('error', (e) => fail(new WireError(`proxy ${proxy.label}: ${e.message}`, (e as NodeJS.ErrnoException).code ?? 'ECONNREFUSED')));
    sock.once('close', () => fail(new WireError(`proxy ${proxy.label} closed the connection before opening a tunnel to ${origin.authority}`, 'ECONNRESET')));
  });
}

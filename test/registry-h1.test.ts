// The lean HTTP/1.1 client (src/registry/transport/h1.ts) against real servers: node:http for well-formed
// traffic, raw TCP servers for the shapes node:http would never send (interim answers, smuggling shapes,
// extra bytes, truncation).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { WirePool, type WireRequest, type WireResponse } from '../src/registry/transport/h1';

const servers: Array<Server | TcpServer> = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

interface Counted {
  port: number;
  connections: () => number;
}

async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Counted> {
  const s = createServer(handler);
  let n = 0;
  s.on('connection', () => n++);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, connections: () => n };
}

/** A server that answers every request on a connection with `reply(requestHead, socket)`. */
async function tcpServer(reply: (head: string, socket: Socket) => void): Promise<Counted> {
  let n = 0;
  const s = createTcpServer((socket) => {
    n++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, i);
        buf = buf.slice(i + 4);
        reply(head, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, connections: () => n };
}

const req = (port: number, over: Partial<WireRequest> = {}): WireRequest => ({
  secure: false, host: '127.0.0.1', port, authority: `127.0.0.1:${port}`, method: 'GET', path: '/x', headers: {}, ...over,
});

async function read(res: WireResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const pool = (timeoutMs = 5000, maxSockets = 8): WirePool => new WirePool({ timeoutMs, maxSockets });

test('Content-Length and chunked bodies arrive whole, and one connection serves them all', async () => {
  const big = randomBytes(3 << 20);
  const srv = await httpServer((rq, res) => {
    if (rq.url === '/chunked') {
      res.write('hello ');
      setTimeout(() => res.end('world'), 5);
    } else if (rq.url === '/big') {
      res.setHeader('content-length', big.length);
      res.end(rq.method === 'HEAD' ? undefined : big);
    }
    else res.end('fixed');
  });
  const p = pool();
  expect((await read(await p.request(req(srv.port, { path: '/chunked' })))).toString()).toBe('hello world');
  expect((await read(await p.request(req(srv.port, { path: '/fixed' })))).toString()).toBe('fixed');
  const got = await read(await p.request(req(srv.port, { path: '/big' })));
  expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
  const head = await p.request(req(srv.port, { method: 'HEAD', path: '/big' }));
  expect(head.headers.get('content-length')).toBe(String(big.length));
  expect((await read(head)).length).toBe(0);
  expect(srv.connections()).toBe(1);
});

test('request headers: the Host authority, lower-case fields, and a CR/LF in a value refused before anything is sent', async () => {
  let seen: IncomingMessage | undefined;
  const srv = await httpServer((rq, res) => {
    seen = rq;
    res.end();
  });
  const p = pool();
  await read(await p.request(req(srv.port, { headers: { authorization: 'Bearer t', accept: 'a/b' } })));
  expect(seen?.headers.host).toBe(`127.0.0.1:${srv.port}`);
  expect(seen?.headers.authorization).toBe('Bearer t');
  const before = srv.connections();
  await expect(p.request(req(srv.port, { headers: { 'x-evil': 'a\r\nx-injected: 1' } }))).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
  await expect(p.request(req(srv.port, { path: '/a b' }))).rejects.toMatchObject({ code: 'ERR_UNESCAPED_CHARACTERS' });
  await expect(p.request(req(srv.port, { headers: { 'bad name': 'x' } }))).rejects.toMatchObject({ code: 'ERR_INVALID_HTTP_TOKEN' });
  expect(srv.connections()).toBe(before);
  // The pool is still usable after the refusals.
  expect((await p.request(req(srv.port))).status).toBe(200);
});

test('request bodies: bytes with Content-Length, a stream with the given length, a stream without one as chunked', async () => {
  const bodies: Array<{ te?: string; cl?: string; hash: string }> = [];
  const srv = await httpServer((rq, res) => {
    const h = createHash('sha256');
    rq.on('data', (d: Buffer) => h.update(d));
    rq.on('end', () => {
      bodies.push({ te: rq.headers['transfer-encoding'], cl: rq.headers['content-length'], hash: h.digest('hex') });
      res.statusCode = 201;
      res.end();
    });
  });
  const data = randomBytes(2_500_000);
  const want = createHash('sha256').update(data).digest('hex');
  const p = pool();
  expect((await p.request(req(srv.port, { method: 'PUT', body: data }))).status).toBe(201);
  const slices = (): Readable => Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]);
  expect((await p.request(req(srv.port, { method: 'PUT', body: slices(), headers: { 'content-length': String(data.length) } }))).status).toBe(201);
  expect((await p.request(req(srv.port, { method: 'PUT', body: slices() }))).status).toBe(201);
  expect(bodies).toEqual([
    { cl: String(data.length), hash: want },
    { cl: String(data.length), hash: want },
    { te: 'chunked', hash: want },
  ]);
});

test('an interim 100 answer is skipped; a close-delimited body ends at the close and the connection is not reused', async () => {
  const srv = await tcpServer((head, s) => {
    if (head.includes('/interim')) s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    else s.end('HTTP/1.1 200 OK\r\n\r\nuntil close');
  });
  const p = pool();
  expect((await read(await p.request(req(srv.port, { path: '/interim' })))).toString()).toBe('ok');
  expect((await read(await p.request(req(srv.port, { path: '/close' })))).toString()).toBe('until close');
  expect((await read(await p.request(req(srv.port, { path: '/interim' })))).toString()).toBe('ok');
  expect(srv.connections()).toBe(2);
});

test('a kept-alive connection the server drops as a request arrives is replaced without the caller noticing', async () => {
  // The race every keep-alive client meets: the server closes an idle connection just as it is reused.
  const served = new WeakMap<Socket, number>();
  const srv = await tcpServer((_head, s) => {
    const n = (served.get(s) ?? 0) + 1;
    served.set(s, n);
    if (n === 1) s.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx');
    else s.destroy();
  });
  const p = pool();
  expect((await read(await p.request(req(srv.port)))).toString()).toBe('x');
  expect((await read(await p.request(req(srv.port)))).toString()).toBe('x');
  expect(srv.connections()).toBe(2);
  // Not for a streamed body, which cannot be sent twice: that failure goes to the caller (and its retry budget).
  await expect(p.request(req(srv.port, { method: 'PUT', body: Readable.from([Buffer.from('abc')]), headers: { 'content-length': '3' } }))).rejects.toMatchObject({ code: 'ECONNRESET' });
});

test('at most maxSockets connections per origin; the rest wait and are served in turn', async () => {
  let open = 0;
  let peak = 0;
  const srv = await httpServer((_rq, res) => {
    open++;
    peak = Math.max(peak, open);
    setTimeout(() => {
      open--;
      res.end('y');
    }, 10);
  });
  const p = pool(5000, 2);
  const all = await Promise.all(Array.from({ length: 10 }, async () => (await read(await p.request(req(srv.port)))).toString()));
  expect(all).toEqual(Array(10).fill('y'));
  expect(peak).toBe(2);
  expect(srv.connections()).toBe(2);
});

test.each([
  ['a truncated fixed-length body', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345', 'body'],
  ['a truncated chunked body', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n12345\r\n', 'body'],
  ['a malformed chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 'body'],
  ['conflicting Content-Length values', 'HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\nx', 'head'],
  ['a malformed status line', 'HTTP/9 200 OK\r\n\r\n', 'head'],
  ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', 'head'],
  ['a head over 64 KiB', `HTTP/1.1 200 OK\r\nx: ${'a'.repeat(70_000)}\r\n\r\n`, 'head'],
  ['no answer at all', '', 'head'],
])('%s is an error, never a short success', async (_name, answer, where) => {
  const srv = await tcpServer((_head, s) => s.end(answer));
  const p = pool();
  if (where === 'head') {
    await expect(p.request(req(srv.port))).rejects.toThrow();
    return;
  }
  const res = await p.request(req(srv.port));
  await expect(read(res)).rejects.toThrow();
});

test.each([
  ['bytes past the end of a response', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\naHTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nb', 'a'],
  ['Transfer-Encoding with Content-Length (read as chunked)', 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'abc'],
])('%s: the body is read, the connection retired, and the next request gets a fresh one', async (_name, answer, body) => {
  const srv = await tcpServer((_head, s) => s.write(answer));
  const p = pool();
  expect((await read(await p.request(req(srv.port)))).toString()).toBe(body);
  expect((await read(await p.request(req(srv.port)))).toString()).toBe(body);
  expect(srv.connections()).toBe(2);
});

test('an early answer to a streamed upload resolves, stops the stream and retires the connection', async () => {
  const srv = await tcpServer((_head, s) => s.write('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n'));
  const p = pool();
  let pulled = 0;
  const endless = new Readable({
    read() {
      pulled++;
      setTimeout(() => this.push(Buffer.alloc(65536)), 1);
    },
  });
  const res = await p.request(req(srv.port, { method: 'PUT', body: endless, headers: { 'content-length': String(1 << 30) } }));
  expect(res.status).toBe(413);
  const at = pulled;
  await new Promise((r) => setTimeout(r, 100));
  expect(pulled - at).toBeLessThan(3);
  endless.destroy();
  expect((await p.request(req(srv.port))).status).toBe(413);
  expect(srv.connections()).toBe(2);
});

test('a source stream that fails mid-upload fails the request with its error', async () => {
  const srv = await httpServer((rq, res) => {
    rq.resume();
    rq.on('end', () => res.end());
  });
  const p = pool();
  const failing = new Readable({ read() {} });
  failing.push(Buffer.alloc(1000));
  setTimeout(() => failing.destroy(Object.assign(new Error('source reset'), { code: 'ECONNRESET' })), 20);
  await expect(p.request(req(srv.port, { method: 'PUT', body: failing, headers: { 'content-length': '5000' } }))).rejects.toThrow(/source reset/);
});

test('the idle timeout covers the wait for headers and a stalled body', async () => {
  const srv = await tcpServer((head, s) => {
    if (head.includes('/stall')) s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
  });
  const p = pool(150);
  await expect(p.request(req(srv.port, { path: '/hang' }))).rejects.toMatchObject({ code: 'REIMAGE_TIMEOUT', message: 'timed out after 150 ms waiting for response headers' });
  const res = await p.request(req(srv.port, { path: '/stall' }));
  await expect(read(res)).rejects.toMatchObject({ code: 'REIMAGE_TIMEOUT', message: 'timed out after 150 ms waiting for response body' });
});

test('a body nobody reads is not emitted as an unhandled error when its connection dies', async () => {
  const srv = await tcpServer((_head, s) => {
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nxx');
    setTimeout(() => s.destroy(), 10);
  });
  const res = await pool().request(req(srv.port));
  await new Promise((r) => setTimeout(r, 50));
  expect(res.body.destroyed).toBe(true);
  await expect(read(res)).rejects.toThrow();
});

describe('read buffers lent to an upload', () => {
  // A GET body piped into a PUT that lends it, as a blob copy does: every byte arrives intact, and the pool reads
  // into the buffers the upload gave back instead of fresh memory each time.
  async function copyThrough(lendBody: boolean, bytes: number): Promise<{ sent: string; got: string; fresh: number }> {
    const blob = randomBytes(bytes);
    const src = await httpServer((_rq, res) => res.end(blob));
    const dst = await httpServer((rq, res) => {
      const h = createHash('sha256');
      rq.on('data', (c: Buffer) => h.update(c));
      rq.on('end', () => res.end(h.digest('hex')));
    });
    const p = pool();
    const alloc = jest.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      const res = await p.request(req(src.port));
      const put = await p.request(req(dst.port, { method: 'PUT', body: res.body, headers: { 'content-length': String(bytes) }, lendBody }));
      const got = (await read(put)).toString();
      return { sent: createHash('sha256').update(blob).digest('hex'), got, fresh: alloc.mock.calls.filter((c) => c[0] === 512 * 1024).length };
    } finally {
      alloc.mockRestore();
    }
  }

  test('a lent body is reused, byte for byte', async () => {
    const lent = await copyThrough(true, 48 << 20);
    expect(lent.got).toBe(lent.sent);
    // 48 MiB in 512 KiB reads is at least 96 reads; those the upload gave back are read into again.
    expect(lent.fresh).toBeLessThan(48);
  });

  test('a body that is not lent is never reused (the control)', async () => {
    const kept = await copyThrough(false, 16 << 20);
    expect(kept.got).toBe(kept.sent);
    expect(kept.fresh).toBeGreaterThanOrEqual(16);
  });
});

test('a connection idle longer than idleMs is not reused: the next request opens a new one', async () => {
  const srv = await httpServer((_rq, res) => res.end('ok'));
  const p = new WirePool({ timeoutMs: 5000, maxSockets: 8, idleMs: 40 });
  expect((await read(await p.request(req(srv.port)))).toString()).toBe('ok');
  expect((await read(await p.request(req(srv.port)))).toString()).toBe('ok');
  expect(srv.connections()).toBe(1); // the control: reused at once
  await new Promise((r) => setTimeout(r, 80));
  expect((await read(await p.request(req(srv.port)))).toString()).toBe('ok');
  expect(srv.connections()).toBe(2);
});

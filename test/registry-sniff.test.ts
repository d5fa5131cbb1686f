/**
 * src/registry/transport/sniff.ts: whether a loopback port speaks TLS, asked with a fixed ClientHello on a plain
 * socket. Real servers on both sides: docker-registry with and without TLS (Go's crypto/tls and net/http), node's
 * https server (OpenSSL, also TLS 1.3 only), and sockets that close, reset or stay silent.
 */
import * as fs from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { CLIENT_HELLO, speaksTls } from '../src/registry/transport/sniff';
import { ensureTlsMaterial, startRegistry } from './support/registry';

jest.setTimeout(60_000);

const servers: Server[] = [];
const sockets = new Set<import('node:net').Socket>();
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: import('node:net').Socket) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}
const portOf = (host: string): number => Number(host.slice(host.lastIndexOf(':') + 1));

test('docker-registry: true with TLS (Go crypto/tls), false without (Go net/http answers 400)', async () => {
  const [tls, plain] = await Promise.all([startRegistry({ tls: true }), startRegistry()]);
  try {
    expect(await speaksTls('127.0.0.1', portOf(tls.host), 5000)).toBe(true);
    expect(await speaksTls('127.0.0.1', portOf(plain.host), 5000)).toBe(false);
  } finally {
    await Promise.all([tls.stop(), plain.stop()]);
  }
});

test('OpenSSL answers the hello with a ServerHello; a TLS 1.3-only server with an alert: both TLS', async () => {
  const m = await ensureTlsMaterial();
  const [cert, key] = [fs.readFileSync(m.serverCert), fs.readFileSync(m.serverKey)];
  const tls12 = await listen(createHttpsServer({ cert, key }));
  expect(await speaksTls('127.0.0.1', tls12, 5000)).toBe(true);
  // The answer itself: a handshake record whose first message is a ServerHello (type 2).
  const first = await new Promise<Buffer>((resolve, reject) => {
    const s = require('node:net').connect({ host: '127.0.0.1', port: tls12 }, () => s.write(CLIENT_HELLO));
    s.once('data', (d: Buffer) => {
      s.destroy();
      resolve(d);
    });
    s.once('error', reject);
  });
  expect([...first.subarray(0, 2)]).toEqual([0x16, 0x03]);
  expect(first[5]).toBe(0x02);
  const tls13 = await listen(createHttpsServer({ cert, key, minVersion: 'TLSv1.3' }));
  expect(await speaksTls('127.0.0.1', tls13, 5000)).toBe(true);
});

test('a port that closes, resets or answers something else is not TLS; a refused or silent one is an error', async () => {
  const closes = await listen(createNetServer((s) => s.end()));
  expect(await speaksTls('127.0.0.1', closes, 5000)).toBe(false);
  const resets = await listen(createNetServer((s) => s.once('data', () => s.resetAndDestroy())));
  expect(await speaksTls('127.0.0.1', resets, 5000)).toBe(false);
  const ssh = await listen(createNetServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n')));
  expect(await speaksTls('127.0.0.1', ssh, 5000)).toBe(false);
  const refused = await listen(createNetServer());
  await new Promise((r) => servers.pop()?.close(r));
  await expect(speaksTls('127.0.0.1', refused, 5000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  const silent = await listen(createNetServer(() => undefined));
  await expect(speaksTls('127.0.0.1', silent, 200)).rejects.toMatchObject({ code: 'REIMAGE_TIMEOUT' });
});

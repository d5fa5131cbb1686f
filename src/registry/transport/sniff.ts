/**
 * Whether a loopback port speaks TLS, asked without node:tls: one fixed TLS 1.2 ClientHello on a plain socket, and
 * the first two bytes of the answer. A TLS server answers a hello with a handshake record (0x16 0x03, its
 * ServerHello) or an alert (0x15 0x03, e.g. "protocol version" from a TLS 1.3-only server); a plain-HTTP server
 * answers with "HTTP/1.x 400", or closes. The HTTPS ping this replaces for plain registries cost 6-8 ms of CPU
 * (loading node:tls, a secure context, a handshake), and 25 ms where Node has not parsed its CA store yet; no
 * library answers just this question, so the hello is ours (its bytes are checked against OpenSSL in the tests).
 */
import { connect } from 'node:net';
import { dropSocket, WireError } from './h1';

/** Cipher suites: TLS 1.3's three, then ECDHE with AES-GCM and ChaCha20 for ECDSA and RSA keys, then RSA-GCM. */
const SUITES = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x009d];
/** supported_groups (x25519, P-256, P-384), ec_point_formats (uncompressed), signature_algorithms. */
const EXTENSIONS: ReadonlyArray<readonly [number, number[]]> = [
  [0x000a, [0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]],
  [0x000b, [0x01, 0x00]],
  [0x000d, [0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01]],
];

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];

function clientHello(): Buffer {
  const ext = EXTENSIONS.flatMap(([type, data]) => [...u16(type), ...u16(data.length), ...data]);
  const body = [
    0x03, 0x03, // TLS 1.2
    ...new Array<number>(32).fill(0x52), // random: a server does not check it, and no session follows
    0x00, // no session id
    ...u16(SUITES.length * 2), ...SUITES.flatMap(u16),
    0x01, 0x00, // compression: none
    ...u16(ext.length), ...ext,
  ];
  const handshake = [0x01, 0x00, ...u16(body.length), ...body]; // ClientHello
  return Buffer.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
}

export const CLIENT_HELLO = clientHello();

/**
 * Resolves true when host:port answers the hello as a TLS server, false when it answers otherwise or closes (what
 * the HTTPS ping took for "not TLS"); rejects when the port cannot be reached or says nothing for `timeoutMs`.
 */
export function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let got = Buffer.alloc(0);
    let connected = false;
    const done = (fn: () => void): void => {
      dropSocket(socket);
      fn();
    };
    socket.setTimeout(timeoutMs, () => done(() => reject(new WireError(`no answer from ${host}:${port} within ${timeoutMs} ms`, 'REIMAGE_TIMEOUT'))));
    socket.once('connect', () => {
      connected = true;
      socket.write(CLIENT_HELLO);
    });
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 2) done(() => resolve((got[0] === 0x16 || got[0] === 0x15) && got[1] === 0x03));
    });
    socket.once('end', () => done(() => resolve(false)));
    // Before the connection: unreachable (refused, no route). After it: a reset, which a plain server may send.
    socket.once('error', (e) => done(() => (connected ? resolve(false) : reject(e))));
  });
}

/**
 * A local Cloud KMS gRPC server built from @google-cloud/kms's own protos: AsymmetricSign and
 * GetPublicKey for locally generated EC keys, with switches that corrupt the integrity fields.
 */
import * as path from 'node:path';
import { createECDH, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { crc32c } from '../../src/attest/crc32c';

export type Curve = 'P-256' | 'P-384';

const CURVES = {
  'P-256': {
    ecdh: 'prime256v1',
    algorithm: 'EC_SIGN_P256_SHA256',
    digest: 'sha256',
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  'P-384': {
    ecdh: 'secp384r1',
    algorithm: 'EC_SIGN_P384_SHA384',
    digest: 'sha384',
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
} as const;

interface Key {
  curve: Curve;
  d: bigint;
  pem: string;
  privateKey: KeyObject;
}

export interface KmsFaults {
  /** reply with a signatureCrc32c that does not match the signature */
  badSignatureCrc32c: boolean;
  /** reply verifiedDigestCrc32c=false even when the request's CRC32C was right */
  unverifiedDigest: boolean;
  /** reply with another key's name */
  wrongName: boolean;
  /** reply to GetPublicKey with a wrong pemCrc32c */
  badPemCrc32c: boolean;
}

export interface KmsServer {
  port: number;
  /** host:port for -kms-endpoint */
  endpoint: string;
  /** Creates a key version `name` (projects/.../cryptoKeyVersions/N); returns its public PEM */
  addKey(name: string, curve?: Curve): string;
  faults: KmsFaults;
  calls: { asymmetricSign: number; getPublicKey: number };
  stop(): Promise<void>;
}

const bigFrom = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));
const toBytes = (v: bigint, len: number): Buffer => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  for (b %= m; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

function derInt(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let b = Buffer.from(hex, 'hex');
  if ((b[0] as number) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

/**
 * ECDSA over a digest the caller already computed, as KMS does. node:crypto has no prehash
 * signing (crypto.sign hashes again), so: R = kG via ECDH (setPrivateKey(k) gives kG),
 * then r = R.x mod n, s = k^-1 (e + r*d) mod n, DER-encoded.
 */
function signDigest(key: Key, digest: Uint8Array): Buffer {
  const { ecdh: curveName, n } = CURVES[key.curve];
  const size = (n.toString(16).length + 1) >> 1;
  const nBits = n.toString(2).length;
  let e = bigFrom(digest);
  if (digest.length * 8 > nBits) e >>= BigInt(digest.length * 8 - nBits);
  for (;;) {
    const k = (bigFrom(randomBytes(size + 8)) % (n - 1n)) + 1n;
    const ecdh = createECDH(curveName);
    ecdh.setPrivateKey(toBytes(k, size));
    const point = ecdh.getPublicKey(); // 0x04 || X || Y
    const r = bigFrom(point.subarray(1, 1 + size)) % n;
    const s = (modPow(k, n - 2n, n) * ((e + r * key.d) % n)) % n;
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInt(r), derInt(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

function makeKey(curve: Curve): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = privateKey.export({ format: 'jwk' });
  const d = bigFrom(Buffer.from(jwk.d as string, 'base64url'));
  return { curve, d, privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const PROTOS = path.join(__dirname, '../../node_modules/@google-cloud/kms/build/protos');
const GAX_PROTOS = path.join(__dirname, '../../node_modules/google-gax/build/protos');

type Handler = grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>>;
const fail = (code: grpc.status, details: string): Partial<grpc.ServiceError> => ({ code, details, message: details });

export async function startKmsServer(): Promise<KmsServer> {
  const def = protoLoader.loadSync(path.join(PROTOS, 'google/cloud/kms/v1/service.proto'), {
    includeDirs: [PROTOS, GAX_PROTOS],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: { cloud: { kms: { v1: { KeyManagementService: { service: grpc.ServiceDefinition } } } } };
  };
  const keys = new Map<string, Key>();
  const faults: KmsFaults = { badSignatureCrc32c: false, unverifiedDigest: false, wrongName: false, badPemCrc32c: false };
  const calls = { asymmetricSign: 0, getPublicKey: 0 };

  const getPublicKey: Handler = (call, cb) => {
    calls.getPublicKey++;
    const name = String(call.request['name']);
    const key = keys.get(name);
    if (!key) return cb(fail(grpc.status.NOT_FOUND, `key version ${name} not found`));
    const crc = crc32c(key.pem) + (faults.badPemCrc32c ? 1 : 0);
    cb(null, { pem: key.pem, algorithm: CURVES[key.curve].algorithm, pemCrc32c: { value: String(crc) }, name, protectionLevel: 'SOFTWARE' });
  };

  const asymmetricSign: Handler = (call, cb) => {
    calls.asymmetricSign++;
    const req = call.request;
    const name = String(req['name']);
    const key = keys.get(name);
    if (!key) return cb(fail(grpc.status.NOT_FOUND, `key version ${name} not found`));
    const digestMsg = (req['digest'] ?? {}) as Record<string, unknown>;
    const want = CURVES[key.curve].digest;
    const digest = digestMsg[want];
    if (digestMsg['digest'] !== want || !(digest instanceof Uint8Array)) {
      return cb(fail(grpc.status.INVALID_ARGUMENT, `${CURVES[key.curve].algorithm} needs a ${want} digest`));
    }
    const reqCrc = (req['digestCrc32c'] as { value?: string } | null)?.value;
    if (reqCrc !== undefined && reqCrc !== String(crc32c(digest))) {
      return cb(fail(grpc.status.INVALID_ARGUMENT, 'digest_crc32c does not match digest'));
    }
    const signature = signDigest(key, digest);
    cb(null, {
      signature,
      signatureCrc32c: { value: String(crc32c(signature) + (faults.badSignatureCrc32c ? 1 : 0)) },
      verifiedDigestCrc32c: reqCrc !== undefined && !faults.unverifiedDigest,
      name: faults.wrongName ? `${name}0` : name,
      protectionLevel: 'SOFTWARE',
    });
  };

  const server = new grpc.Server();
  server.addService(pkg.google.cloud.kms.v1.KeyManagementService.service, { getPublicKey, asymmetricSign });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    addKey(name, curve = 'P-256') {
      const key = makeKey(curve);
      keys.set(name, key);
      return key.pem;
    },
    faults,
    calls,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

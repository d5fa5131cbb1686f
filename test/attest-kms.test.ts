import { verify } from 'node:crypto';
import { crc32c } from '../src/attest/crc32c';
import { lookupAttestor, selectKey } from '../src/attest/binauthz';
import { createKmsClient, KmsSigner, type KmsClient } from '../src/attest/kms';
import { makePayload, payloadMatches } from '../src/attest/payload';
import { silentLogger } from '../src/util/log';
import { startBinauthzServer, type BinauthzServer } from './support/binauthz-server';
import { startKmsServer, type KmsServer } from './support/kms-server';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPO = '127.0.0.1:5000/app';

describe('crc32c', () => {
  it('matches the Castagnoli check value and RFC 3720 vectors', () => {
    expect(crc32c('123456789')).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });
});

describe('payload', () => {
  it('is the canonical gcloud form', () => {
    expect(makePayload(REPO, DIGEST).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"${REPO}"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"Google cloud binauthz container signature"}}`,
    );
  });
  it('recognises canonical and Go-reimage payloads for the same repo+digest only', () => {
    const goStyle = `{"critical":{"identitiy":{"docker-reference":"${REPO}@${DIGEST}"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"Google cloud binauthz container signature"}}`;
    expect(payloadMatches(makePayload(REPO, DIGEST), REPO, DIGEST)).toBe(true);
    expect(payloadMatches(goStyle, REPO, DIGEST)).toBe(true);
    expect(payloadMatches(makePayload(`${REPO}2`, DIGEST), REPO, DIGEST)).toBe(false);
    expect(payloadMatches(makePayload(REPO, `sha256:${'cd'.repeat(32)}`), REPO, DIGEST)).toBe(false);
    expect(payloadMatches('not json', REPO, DIGEST)).toBe(false);
    expect(payloadMatches('{"critical":{"identity":{"docker-reference":"x"}}}', REPO, DIGEST)).toBe(false);
  });
});

describe('KMS signer against a local KMS server', () => {
  let kms: KmsServer;
  let client: KmsClient;
  const P256 = 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';
  const P384 = 'projects/p/locations/global/keyRings/r/cryptoKeys/k384/cryptoKeyVersions/1';
  let pem256 = '';
  let pem384 = '';
  beforeAll(async () => {
    kms = await startKmsServer();
    pem256 = kms.addKey(P256, 'P-256');
    pem384 = kms.addKey(P384, 'P-384');
    client = createKmsClient(kms.endpoint);
  });
  afterAll(async () => {
    await client.close();
    await kms.stop();
  });
  afterEach(() => Object.assign(kms.faults, { badSignatureCrc32c: false, unverifiedDigest: false, wrongName: false, badPemCrc32c: false }));

  it('the test server signs prehashed digests: 64 signatures (any r/s length) all verify', async () => {
    const signer = new KmsSigner(client, { id: P256, pem: pem256, signatureAlgorithm: undefined });
    for (let i = 0; i < 64; i++) {
      const payload = Buffer.from(`payload ${i}`);
      expect(verify('sha256', payload, pem256, await signer.sign(payload))).toBe(true);
    }
  });

  it.each([
    ['P-256', P256, 'sha256', () => pem256],
    ['P-384', P384, 'sha384', () => pem384],
  ] as const)('%s: signs with CRC32C checks; signature verifies with crypto.verify', async (_c, name, hash, pem) => {
    const signer = new KmsSigner(client, { id: `//cloudkms.googleapis.com/v1/${name}`, pem: pem(), signatureAlgorithm: undefined });
    const payload = makePayload(REPO, DIGEST);
    const sig = await signer.sign(payload);
    expect(verify(hash, payload, pem(), sig)).toBe(true);
    expect(await signer.verify(payload, sig)).toBe(true);
    expect(await signer.verify(Buffer.from('other'), sig)).toBe(false);
    expect(signer.keyId).toBe(`//cloudkms.googleapis.com/v1/${name}`);
  });

  it('fetches the public key once per signer', async () => {
    const before = kms.calls.getPublicKey;
    const signer = new KmsSigner(client, { id: P256, pem: undefined, signatureAlgorithm: undefined });
    await Promise.all([signer.sign(Buffer.from('a')), signer.sign(Buffer.from('b'))]);
    expect(kms.calls.getPublicKey - before).toBe(1);
  });

  it.each([
    ['badSignatureCrc32c', /^KMS asymmetricSign: response CRC32C mismatch$/],
    ['unverifiedDigest', /^KMS asymmetricSign: request digest CRC32C not verified/],
    ['wrongName', /^KMS asymmetricSign: response names/],
  ] as const)('fault %s is caught', async (fault, msg) => {
    const signer = new KmsSigner(client, { id: P256, pem: pem256, signatureAlgorithm: undefined });
    await signer.kmsPublicKey();
    kms.faults[fault] = true;
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(msg);
  });

  it('a corrupted public key CRC32C is caught', async () => {
    kms.faults.badPemCrc32c = true;
    const signer = new KmsSigner(client, { id: P256, pem: undefined, signatureAlgorithm: undefined });
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(/^KMS getPublicKey: response CRC32C mismatch$/);
  });

  it('a KMS key that differs from the attestor PEM is refused', async () => {
    const signer = new KmsSigner(client, { id: P256, pem: pem384, signatureAlgorithm: undefined });
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(/not the public key the attestor lists/);
  });

  it('an unknown key version fails naming the step', async () => {
    const signer = new KmsSigner(client, { id: 'projects/p/locations/l/keyRings/r/cryptoKeys/none/cryptoKeyVersions/1', pem: undefined, signatureAlgorithm: undefined });
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(/^KMS getPublicKey: .*not found/);
  });
});

describe('BinAuthz attestor lookup', () => {
  let stub: BinauthzServer;
  beforeAll(async () => {
    stub = await startBinauthzServer();
  });
  afterAll(() => stub.stop());

  it('reads the note and keys, unauthenticated on loopback', async () => {
    stub.setAttestor('projects/p/attestors/a', {
      noteReference: 'projects/p/notes/n',
      publicKeys: [{ id: '//cloudkms.googleapis.com/v1/projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1', pem: 'PEM' }],
    });
    const att = await lookupAttestor('projects/p/attestors/a', stub.endpoint);
    expect(att).toEqual({
      name: 'projects/p/attestors/a',
      noteReference: 'projects/p/notes/n',
      publicKeys: [{ id: '//cloudkms.googleapis.com/v1/projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1', pem: 'PEM', signatureAlgorithm: 'ECDSA_P256_SHA256' }],
    });
    expect(stub.requests).toContain('/v1/projects/p/attestors/a');
    expect(stub.authorizations).toEqual([]);
  });

  it('selects -gcp-kms-key by name, keeping the attestor spelling of the id', () => {
    const att = {
      name: 'projects/p/attestors/a',
      noteReference: 'n',
      publicKeys: [
        { id: '//cloudkms.googleapis.com/v1/k1', pem: undefined, signatureAlgorithm: undefined },
        { id: '//cloudkms.googleapis.com/v1/k2', pem: undefined, signatureAlgorithm: undefined },
      ],
    };
    expect(selectKey(att, '', silentLogger).id).toBe('//cloudkms.googleapis.com/v1/k1');
    expect(selectKey(att, 'k2', silentLogger).id).toBe('//cloudkms.googleapis.com/v1/k2');
    expect(selectKey(att, 'k3', silentLogger).id).toBe('k3');
    expect(() => selectKey({ ...att, publicKeys: [] }, '', silentLogger)).toThrow(/projects\/p\/attestors\/a lists no public keys.*-gcp-kms-key/);
  });

  it('fails clearly for a missing attestor, a missing note and a bad name', async () => {
    await expect(lookupAttestor('projects/p/attestors/missing', stub.endpoint)).rejects.toThrow(/binauthz attestor projects\/p\/attestors\/missing not found/);
    stub.setAttestor('projects/p/attestors/nonote', { publicKeys: [] });
    await expect(lookupAttestor('projects/p/attestors/nonote', stub.endpoint)).rejects.toThrow(/projects\/p\/attestors\/nonote: no userOwnedGrafeasNote.noteReference/);
    await expect(lookupAttestor('attestors/a', stub.endpoint)).rejects.toThrow(/-binauthz-attestor/);
  });
});

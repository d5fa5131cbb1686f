/**
 * attestImages with the real Google clients (@google-cloud/kms, @google-cloud/grafeas,
 * google-auth-library) against local servers: KMS and Grafeas over gRPC, BinAuthz REST stub.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import * as path from 'node:path';
import { attestImages, type AttestSettings, type AttestResult } from '../src/attest';
import { createKmsClient, KmsSigner, type KmsClient } from '../src/attest/kms';
import { makePayload } from '../src/attest/payload';
import { parseReference, type Reference } from '../src/reference';
import { createLogger, silentLogger } from '../src/util/log';
import { startBinauthzServer, type BinauthzServer } from './support/binauthz-server';
import { startGrafeasServer, type GrafeasServer, type Occurrence } from './support/grafeas-server';
import { startKmsServer, type KmsServer } from './support/kms-server';

process.env['METADATA_SERVER_DETECTION'] = 'none';

const KEY = 'projects/p/locations/global/keyRings/r/cryptoKeys/att/cryptoKeyVersions/1';
const KEY2 = 'projects/p/locations/global/keyRings/r/cryptoKeys/att2/cryptoKeyVersions/1';
const KEY384 = 'projects/p/locations/global/keyRings/r/cryptoKeys/att384/cryptoKeyVersions/3';
const KEY_ID = `//cloudkms.googleapis.com/v1/${KEY}`;
const ATTESTOR = 'projects/p/attestors/a';
const NOTE = 'projects/p/notes/n';
const PARENT = 'projects/p';

const D1 = `sha256:${'a1'.repeat(32)}`;
const D2 = `sha256:${'b2'.repeat(32)}`;
const APP = '127.0.0.1:5000/app';
const OTHER = '127.0.0.1:5000/other';

let kms: KmsServer;
let binauthz: BinauthzServer;
let grafeas: GrafeasServer;
let pem = '';
let pem2 = '';
let pem384 = '';
/** Signs with our KMS key outside attestImages, to seed "existing" attestations. */
let seedKms: KmsClient;

const refs = (...s: string[]): Reference[] => s.map((x) => parseReference(x));
const attestations = (): Occurrence[] => grafeas.store.all().filter((o) => o.kind === 'ATTESTATION');
const creates = () => grafeas.calls.filter((c) => c.method === 'CreateOccurrence').length;
const byName = (rs: AttestResult[]) => Object.fromEntries(rs.map((r) => [r.image.context + '@' + (r.image.digest ?? ''), r.status]));

function options(over: Partial<AttestSettings> = {}): AttestSettings {
  return {
    binauthzAttestor: ATTESTOR,
    binauthzEndpoint: binauthz.endpoint,
    gcpKmsKey: '',
    kmsEndpoint: kms.endpoint,
    grafeasParent: PARENT,
    grafeasEndpoint: grafeas.endpoint,
    dryRun: false,
    concurrency: 4,
    ...over,
  };
}

function payloadOf(o: Occurrence): Buffer {
  return (o['attestation'] as { serializedPayload: Buffer }).serializedPayload;
}
function sigsOf(o: Occurrence): Array<{ signature: Buffer; publicKeyId: string }> {
  return (o['attestation'] as { signatures: Array<{ signature: Buffer; publicKeyId: string }> }).signatures;
}

beforeAll(async () => {
  [kms, binauthz, grafeas] = await Promise.all([startKmsServer(), startBinauthzServer(), startGrafeasServer()]);
  pem = kms.addKey(KEY, 'P-256');
  pem2 = kms.addKey(KEY2, 'P-256');
  pem384 = kms.addKey(KEY384, 'P-384');
  binauthz.setAttestor(ATTESTOR, {
    noteReference: NOTE,
    publicKeys: [
      { id: KEY_ID, pem, signatureAlgorithm: 'ECDSA_P256_SHA256' },
      { id: `//cloudkms.googleapis.com/v1/${KEY2}`, pem: pem2, signatureAlgorithm: 'ECDSA_P256_SHA256' },
    ],
  });
  binauthz.setAttestor('projects/p/attestors/a384', {
    noteReference: NOTE,
    publicKeys: [{ id: `//cloudkms.googleapis.com/v1/${KEY384}`, pem: pem384, signatureAlgorithm: 'ECDSA_P384_SHA384' }],
  });
  binauthz.setAttestor('projects/p/attestors/nokeys', { noteReference: NOTE, publicKeys: [] });
  seedKms = createKmsClient(kms.endpoint);
});

afterAll(async () => {
  await seedKms.close();
  await Promise.all([kms.stop(), binauthz.stop(), grafeas.stop()]);
});

beforeEach(() => {
  grafeas.store.clear();
  grafeas.calls.length = 0;
  Object.assign(kms.faults, { badSignatureCrc32c: false, unverifiedDigest: false, wrongName: false, badPemCrc32c: false });
  kms.calls.asymmetricSign = 0;
  kms.calls.getPublicKey = 0;
});

describe('attestImages', () => {
  const images = () => refs(`${APP}@${D1}`, `${APP}:v1@${D1}`, `${APP}@${D1}`, `${OTHER}@${D1}`, `${APP}@${D2}`);

  it('creates exactly one canonical, verifiable attestation per distinct repo+digest; a second run creates none', async () => {
    const first = await attestImages(images(), options(), silentLogger);
    expect(byName(first)).toEqual({ [`${APP}@${D1}`]: 'created', [`${OTHER}@${D1}`]: 'created', [`${APP}@${D2}`]: 'created' });
    expect(kms.calls.asymmetricSign).toBe(3);
    expect(kms.calls.getPublicKey).toBe(1);

    const occs = attestations();
    expect(occs.map((o) => o.resourceUri).sort()).toEqual([`https://${APP}@${D1}`, `https://${APP}@${D2}`, `https://${OTHER}@${D1}`]);
    for (const o of occs) {
      const [repo, digest] = o.resourceUri.slice('https://'.length).split('@') as [string, string];
      expect(o.name.startsWith(`${PARENT}/occurrences/`)).toBe(true);
      expect(o.noteName).toBe(NOTE);
      expect(payloadOf(o).toString()).toBe(
        `{"critical":{"identity":{"docker-reference":"${repo}"},"image":{"docker-manifest-digest":"${digest}"},"type":"Google cloud binauthz container signature"}}`,
      );
      const sigs = sigsOf(o);
      expect(sigs).toHaveLength(1);
      expect(sigs[0]?.publicKeyId).toBe(KEY_ID);
      expect(verify('sha256', payloadOf(o), pem, sigs[0]?.signature as Buffer)).toBe(true);
    }
    for (const r of first) expect(r.status === 'created' && r.occurrence).toMatch(/^projects\/p\/occurrences\//);

    const second = await attestImages(images(), options(), silentLogger);
    expect(second.map((r) => r.status)).toEqual(['existing', 'existing', 'existing']);
    expect(attestations()).toHaveLength(3);
    expect(kms.calls.asymmetricSign).toBe(3);
  });

  it('an attestation signed by a different key, or for another note, does not count', async () => {
    const payload = makePayload(APP, D1);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    // Right key id, wrong signature.
    grafeas.store.add(PARENT, {
      resourceUri: `https://${APP}@${D1}`,
      noteName: NOTE,
      attestation: { serializedPayload: payload, signatures: [{ signature: sign('sha256', payload, stranger), publicKeyId: KEY_ID }] },
    });
    // Valid signature by our key, but under another note.
    const ours = await new KmsSigner(seedKms, { id: KEY_ID, pem, signatureAlgorithm: undefined }).sign(payload);
    grafeas.store.add(PARENT, {
      resourceUri: `https://${APP}@${D1}`,
      noteName: 'projects/p/notes/other',
      attestation: { serializedPayload: payload, signatures: [{ signature: ours, publicKeyId: KEY_ID }] },
    });
    // Valid signature by the attestor's second key: not the signing key we use.
    const theirs = await new KmsSigner(seedKms, { id: KEY2, pem: pem2, signatureAlgorithm: undefined }).sign(payload);
    grafeas.store.add(PARENT, {
      resourceUri: `https://${APP}@${D1}`,
      noteName: NOTE,
      attestation: { serializedPayload: payload, signatures: [{ signature: theirs, publicKeyId: `//cloudkms.googleapis.com/v1/${KEY2}` }] },
    });
    const before = kms.calls.asymmetricSign;

    const res = await attestImages(refs(`${APP}@${D1}`), options(), silentLogger);
    expect(res.map((r) => r.status)).toEqual(['created']);
    expect(kms.calls.asymmetricSign - before).toBe(1);
    expect(attestations()).toHaveLength(4);
  });

  it("recognises the Go reimage's `identitiy` payload signed with our key as existing", async () => {
    const goPayload = Buffer.from(
      `{"critical":{"identitiy":{"docker-reference":"${APP}@${D1}"},"image":{"docker-manifest-digest":"${D1}"},"type":"Google cloud binauthz container signature"}}`,
    );
    const sig = await new KmsSigner(seedKms, { id: KEY_ID, pem, signatureAlgorithm: undefined }).sign(goPayload);
    // The Go tool wrote publicKeyId as given on -gcp-kms-key, often without the //cloudkms prefix.
    const seeded = grafeas.store.add(PARENT, {
      resourceUri: `https://${APP}@${D1}`,
      noteName: NOTE,
      attestation: { serializedPayload: goPayload, signatures: [{ signature: sig, publicKeyId: KEY }] },
    });
    const signs = kms.calls.asymmetricSign;

    const res = await attestImages(refs(`${APP}:v1@${D1}`), options(), silentLogger);
    expect(res).toEqual([{ image: expect.objectContaining({ context: APP, digest: D1 }), status: 'existing', occurrence: seeded.name }]);
    expect(creates()).toBe(0);
    expect(kms.calls.asymmetricSign).toBe(signs);
  });

  it('-gcp-kms-key selects another attestor key and uses its listed id', async () => {
    const res = await attestImages(refs(`${APP}@${D2}`), options({ gcpKmsKey: KEY2 }), silentLogger);
    expect(res.map((r) => r.status)).toEqual(['created']);
    const [occ] = attestations();
    expect(sigsOf(occ as Occurrence)[0]?.publicKeyId).toBe(`//cloudkms.googleapis.com/v1/${KEY2}`);
    expect(verify('sha256', payloadOf(occ as Occurrence), pem2, sigsOf(occ as Occurrence)[0]?.signature as Buffer)).toBe(true);
  });

  it('works with a P-384 key (SHA-384 digest)', async () => {
    const res = await attestImages(refs(`${APP}@${D1}`), options({ binauthzAttestor: 'projects/p/attestors/a384' }), silentLogger);
    expect(res.map((r) => r.status)).toEqual(['created']);
    const [occ] = attestations();
    expect(verify('sha384', payloadOf(occ as Occurrence), pem384, sigsOf(occ as Occurrence)[0]?.signature as Buffer)).toBe(true);
    const again = await attestImages(refs(`${APP}@${D1}`), options({ binauthzAttestor: 'projects/p/attestors/a384' }), silentLogger);
    expect(again.map((r) => r.status)).toEqual(['existing']);
  });

  it('a KMS CRC32C mismatch fails each image cleanly, naming the image and step, and creates nothing', async () => {
    kms.faults.badSignatureCrc32c = true;
    const res = await attestImages(refs(`${APP}@${D1}`, `${APP}@${D2}`), options(), silentLogger);
    expect(res).toEqual([
      { image: expect.objectContaining({ digest: D1 }), status: 'failed', error: `attesting ${APP}@${D1}: KMS asymmetricSign: response CRC32C mismatch` },
      { image: expect.objectContaining({ digest: D2 }), status: 'failed', error: `attesting ${APP}@${D2}: KMS asymmetricSign: response CRC32C mismatch` },
    ]);
    expect(creates()).toBe(0);
  });

  it('other integrity faults and Grafeas errors are per-image failures', async () => {
    kms.faults.unverifiedDigest = true;
    let [r] = await attestImages(refs(`${APP}@${D1}`), options(), silentLogger);
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/^attesting .*: KMS asymmetricSign: request digest CRC32C not verified/) });
    kms.faults.unverifiedDigest = false;
    kms.faults.badPemCrc32c = true;
    [r] = await attestImages(refs(`${APP}@${D1}`), options(), silentLogger);
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/: KMS getPublicKey: response CRC32C mismatch$/) });
    kms.faults.badPemCrc32c = false;
    grafeas.faults.CreateOccurrence = { code: 7, details: 'permission denied on note', times: 1 };
    [r] = await attestImages(refs(`${APP}@${D1}`), options(), silentLogger);
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/: Grafeas createOccurrence under projects\/p: .*permission denied on note/) });
    [r] = await attestImages(refs(`${APP}:latest`), options(), silentLogger);
    expect(r).toMatchObject({ status: 'failed', error: `attesting ${APP}:latest: not in digest form` });
  });

  it('dry-run creates nothing and never calls KMS, but still reports existing attestations', async () => {
    await attestImages(refs(`${APP}@${D1}`), options(), silentLogger);
    kms.calls.asymmetricSign = 0;
    kms.calls.getPublicKey = 0;
    const lines: string[] = [];
    const res = await attestImages(refs(`${APP}@${D1}`, `${APP}@${D2}`), options({ dryRun: true }), createLogger('info', (l) => lines.push(l)));
    expect(res.map((r) => r.status)).toEqual(['existing', 'dry-run']);
    expect(kms.calls).toEqual({ asymmetricSign: 0, getPublicKey: 0 });
    expect(attestations()).toHaveLength(1);
    expect(lines.join('')).toContain(`would attest" img=${APP}@${D2}`);
  });

  it('fails clearly for a missing attestor or one without keys', async () => {
    await expect(attestImages(refs(`${APP}@${D1}`), options({ binauthzAttestor: 'projects/p/attestors/missing' }), silentLogger)).rejects.toThrow(
      /binauthz attestor projects\/p\/attestors\/missing not found/,
    );
    await expect(attestImages(refs(`${APP}@${D1}`), options({ binauthzAttestor: 'projects/p/attestors/nokeys' }), silentLogger)).rejects.toThrow(
      /attestor projects\/p\/attestors\/nokeys lists no public keys; could not determine signing key, use -gcp-kms-key/,
    );
    expect(attestations()).toHaveLength(0);
  });

  it('sends no credentials to loopback servers', async () => {
    await attestImages(refs(`${APP}@${D1}`), options(), silentLogger);
    expect(binauthz.authorizations).toEqual([]);
    expect(grafeas.calls.length).toBeGreaterThan(0);
    for (const c of grafeas.calls) expect(c.metadata['authorization']).toBeUndefined();
  });

  it('without -grafeas-parent stores attestations in the note project', async () => {
    const res = await attestImages(refs(`${APP}@${D1}`), options({ grafeasParent: '' }), silentLogger);
    expect(res).toEqual([expect.objectContaining({ status: 'created', occurrence: expect.stringMatching(/^projects\/p\/occurrences\//) })]);
  });

  it('without -binauthz-attestor does nothing', async () => {
    expect(await attestImages(refs(`${APP}@${D1}`), options({ binauthzAttestor: '' }), silentLogger)).toEqual([]);
    expect(grafeas.calls).toHaveLength(0);
  });
});

describe('lazy loading', () => {
  it('importing src/attest does not load google-gax or the Google clients', () => {
    // jest has its own module registry, so check Node's require.cache in a plain child process.
    const root = path.join(__dirname, '..');
    const script = `
      const ts = require('typescript'), fs = require('fs');
      require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'),
        { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
      const google = () => Object.keys(require.cache).filter((k) => /node_modules[\\\\/](google-gax|google-auth-library|@google-cloud|@grpc)[\\\\/]/.test(k)).length;
      const attest = require('./src/attest');
      const before = google();
      require('./src/attest/kms').createKmsClient('127.0.0.1:1').close();
      console.log(JSON.stringify({ exported: typeof attest.attestImages, before, after: google() }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as { exported: string; before: number; after: number };
    expect(out.exported).toBe('function');
    expect(out.before).toBe(0);
    expect(out.after).toBeGreaterThan(0); // the check itself can see a load
  });
});

/**
 * End-to-end attestations through the CLI and kpt: the real @google-cloud/grafeas and @google-cloud/kms clients
 * against local gRPC servers, the attestor from the BinAuthz stub, images in a real registry.
 */
import { verify } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';
import { startGrafeasServer } from './support/grafeas-server';
import type { GrafeasServer, Occurrence } from './support/grafeas-server';
import { startKmsServer } from './support/kms-server';
import type { KmsServer } from './support/kms-server';
import { startBinauthzServer } from './support/binauthz-server';
import type { BinauthzServer } from './support/binauthz-server';
import { asKptKeyValues, CLI, KPT, run, runCli } from './support/cli';

const ATTESTOR = 'projects/p/attestors/reimage';
const NOTE = 'projects/p/notes/reimage';
const KEY = 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';
const KEY_ID = `//cloudkms.googleapis.com/v1/${KEY}`;

let reg: TestRegistry;
let grafeas: GrafeasServer;
let kms: KmsServer;
let binauthz: BinauthzServer;
let pem: string;
let a: PushedImage;
let b: PushedImage;
let tmp: string;

beforeAll(async () => {
  [reg, grafeas, kms, binauthz] = await Promise.all([startRegistry(), startGrafeasServer(), startKmsServer(), startBinauthzServer()]);
  pem = kms.addKey(KEY, 'P-256');
  binauthz.setAttestor(ATTESTOR, { noteReference: NOTE, publicKeys: [{ id: KEY_ID, pem, signatureAlgorithm: 'ECDSA_P256_SHA256' }] });
  [a, b] = await Promise.all([pushTestImage(reg, 'team/a', '1', { platforms: 2 }), pushTestImage(reg, 'team/b', '1', { platforms: 1 })]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-e2e-attest-'));
}, 120_000);
afterAll(async () => {
  await Promise.all([reg?.stop(), grafeas?.stop(), kms?.stop(), binauthz?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  for (const o of attestations()) grafeas.store.delete(o.name);
  kms.faults.badSignatureCrc32c = false;
});

function attestations(): Occurrence[] {
  return grafeas.store.all().filter((o) => o.kind === 'ATTESTATION');
}

const ARGS = (): string[] => ['-binauthz-attestor', ATTESTOR, '-binauthz-endpoint', binauthz.endpoint, '-grafeas-parent', 'projects/p', '-grafeas-endpoint', grafeas.endpoint, '-kms-endpoint', kms.endpoint];
const pods = (images: string[]): string => images.map((img, i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n  - name: c\n    image: ${img}\n`).join('---\n');

describe('attestations', () => {
  test('one canonical, verifiable attestation per distinct digest; a second run creates none', async () => {
    // a.ref and a.digestRef are the same digest; b is another
    const input = pods([a.ref, a.digestRef, b.ref, a.ref]);
    const r = await runCli(ARGS(), input);
    expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(input);
    const occs = attestations();
    expect(occs.map((o) => o.resourceUri).sort()).toEqual([`https://${a.digestRef}`, `https://${b.digestRef}`].sort());
    for (const o of occs) {
      expect(o.noteName).toBe(NOTE);
      const att = o['attestation'] as { serializedPayload: Buffer; signatures: Array<{ signature: Buffer; publicKeyId: string }> };
      const image = o.resourceUri.slice('https://'.length);
      const [repo, digest] = image.split('@') as [string, string];
      expect(JSON.parse(att.serializedPayload.toString('utf8'))).toEqual({
        critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': digest }, type: 'Google cloud binauthz container signature' },
      });
      expect(att.signatures).toHaveLength(1);
      expect(att.signatures[0]?.publicKeyId).toBe(KEY_ID);
      expect(verify('sha256', att.serializedPayload, pem, att.signatures[0]!.signature)).toBe(true);
    }
    const signs = kms.calls.asymmetricSign;
    const again = await runCli(ARGS(), input);
    expect(again.code).toBe(0);
    expect(attestations()).toHaveLength(2);
    expect(kms.calls.asymmetricSign).toBe(signs);
  });

  test('a KMS CRC32C mismatch fails cleanly, naming the image and the step', async () => {
    kms.faults.badSignatureCrc32c = true;
    const r = await runCli(ARGS(), pods([b.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\[error\] v1\/Pod\/p0 spec\.containers\[0\]\.image: .*attesting .*team\/b@sha256:[0-9a-f]{64}: .*CRC32C/);
    expect(attestations()).toHaveLength(0);
  });

  test('a missing attestor is a clear error, found before the mappings file is written', async () => {
    const out = path.join(tmp, 'missing-attestor.json');
    fs.writeFileSync(out, 'previous');
    const r = await runCli([...ARGS().map((x) => (x === ATTESTOR ? 'projects/p/attestors/nope' : x)), '-write-json-mappings-file', out], pods([b.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/projects\/p\/attestors\/nope/);
    expect(fs.readFileSync(out, 'utf8')).toBe('previous');
  });

  test('a failed attestation leaves the previous mappings file in place', async () => {
    kms.faults.badSignatureCrc32c = true;
    const out = path.join(tmp, 'failed-attest.json');
    fs.writeFileSync(out, 'previous');
    const r = await runCli([...ARGS(), '-write-json-mappings-file', out], pods([b.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toBe('previous');
  });

  test('-dryrun creates nothing: no occurrence, no KMS signature, the output still printed', async () => {
    const signs = kms.calls.asymmetricSign;
    const callsBefore = grafeas.calls.length;
    const input = pods([a.ref]);
    const r = await runCli([...ARGS(), '-dryrun'], input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(input);
    expect(r.stderr).toMatch(/msg="dry run: would attest" img=127\.0\.0\.1:\d+\/team\/a@sha256:/);
    expect(attestations()).toHaveLength(0);
    expect(grafeas.calls.slice(callsBefore).filter((c) => /create/i.test(c.method))).toEqual([]);
    expect(kms.calls.asymmetricSign).toBe(signs);
    // The mappings-only flow too.
    const file = path.join(tmp, 'dry.json');
    fs.writeFileSync(file, JSON.stringify({ 'team/a:1': { tag: a.ref, digest: a.digest } }));
    const mo = await runCli([...ARGS(), '-dryrun', '-mappings-only', '-static-json-mappings-file', file, '-no-copy']);
    expect(mo.code).toBe(0);
    expect(attestations()).toHaveLength(0);
    expect(kms.calls.asymmetricSign).toBe(signs);
  });

  test('a failing check (CVE gate) creates no attestation and writes no mappings file', async () => {
    const out = path.join(tmp, 'gate.json');
    const scanner = path.join(__dirname, 'support', 'scanner.js');
    const r = await runCli([...ARGS(), '-write-json-mappings-file', out, '-vulncheck-max-cvss', '5', '-trivy-command', `${process.execPath} ${scanner} --fixture mixed`], pods([b.ref]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\[error\] v1\/Pod\/p0 spec\.containers\[0\]\.image: /);
    expect(attestations()).toHaveLength(0);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('-mappings-only attests every image in the mappings (the cleared-staging flow)', async () => {
    const file = path.join(tmp, 'staging.json');
    fs.writeFileSync(file, JSON.stringify({ 'team/a:1': { tag: a.ref, digest: a.digest }, 'team/b:1': { tag: b.ref, digest: b.digest } }));
    const r = await runCli([...ARGS(), '-mappings-only', '-static-json-mappings-file', file, '-no-copy']);
    expect(r.stderr).not.toMatch(/\[error\]|reimage: error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(attestations().map((o) => o.resourceUri).sort()).toEqual([`https://${a.digestRef}`, `https://${b.digestRef}`].sort());
  });

  test('through kpt', async () => {
    const dir = path.join(tmp, 'kpt');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'pods.yaml'), pods([b.ref]));
    const r = await run(KPT, ['fn', 'eval', dir, '--exec', CLI, '--', ...asKptKeyValues(ARGS())]);
    expect(r.stderr).toContain('[PASS]');
    expect(r.code).toBe(0);
    expect(attestations().map((o) => o.resourceUri)).toEqual([`https://${b.digestRef}`]);
  });
});

/** Cloud KMS signer with the end-to-end CRC32C checks Google documents for asymmetricSign/getPublicKey. */
import { createHash } from 'node:crypto';
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import { ReimageError, describeError } from '../util/errors';
import { kmsKeyName } from './binauthz';
import { crc32c } from './crc32c';
import { grpcClientOptions } from '../util/google';
import { sameKey, schemeFromAlgorithm, verifyKeyFromPem, verifySignature, type VerifyKey } from './scheme';
import type { AttestorKey, Signer, Verifier } from './types';

export type KmsClient = Pick<KeyManagementServiceClient, 'asymmetricSign' | 'getPublicKey' | 'close'>;

export function createKmsClient(endpoint: string): KmsClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kms = require('@google-cloud/kms') as typeof import('@google-cloud/kms');
  return new kms.KeyManagementServiceClient(grpcClientOptions('kms-endpoint', endpoint));
}

/** Int64Value.value arrives as a string (or Long/number, depending on loader options). */
function int64(v: { value?: unknown } | null | undefined): string | undefined {
  const value = v?.value;
  return value === undefined || value === null ? undefined : String(value);
}

/** An error whose message is the failed step; the orchestrator prefixes the image. */
class StepError extends ReimageError {}
function step(name: string, detail: string, cause?: unknown): StepError {
  return new StepError(`${name}: ${detail}`, cause === undefined ? undefined : { cause });
}

/** Parsed once per PEM: existing attestations are checked for every digest. */
const pemKeys = new Map<string, VerifyKey>();
export function attestorVerifyKey(key: AttestorKey & { pem: string }): VerifyKey {
  const cacheKey = `${key.signatureAlgorithm ?? ''}\n${key.pem}`;
  let vk = pemKeys.get(cacheKey);
  if (!vk) pemKeys.set(cacheKey, (vk = verifyKeyFromPem(key.pem, key.signatureAlgorithm, `attestor key ${key.id}`)));
  return vk;
}

/** Verifies with the attestor's PEM only; used by -dryrun, which must not call KMS. */
export class PemVerifier implements Verifier {
  readonly keyId: string;
  constructor(private readonly attestorKey: AttestorKey) {
    this.keyId = attestorKey.id;
  }
  async verify(payload: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const { pem } = this.attestorKey;
    return pem ? verifySignature(attestorVerifyKey({ ...this.attestorKey, pem }), payload, signature) : false;
  }
}

export class KmsSigner implements Signer {
  readonly keyId: string;
  private readonly name: string;
  private publicKey: Promise<VerifyKey> | undefined;

  constructor(
    private readonly client: KmsClient,
    private readonly attestorKey: AttestorKey,
  ) {
    this.keyId = attestorKey.id;
    this.name = kmsKeyName(attestorKey.id);
  }

  /** The KMS public key, fetched once; checked against the attestor's PEM when it lists one. */
  kmsPublicKey(): Promise<VerifyKey> {
    this.publicKey ??= this.fetchPublicKey();
    return this.publicKey;
  }

  private async fetchPublicKey(): Promise<VerifyKey> {
    const s = 'KMS getPublicKey';
    let resp;
    try {
      [resp] = await this.client.getPublicKey({ name: this.name });
    } catch (e) {
      throw step(s, `${this.name}: ${describeError(e)}`, e);
    }
    const pem = resp.pem ?? '';
    if (resp.name !== this.name) throw step(s, `response names ${JSON.stringify(resp.name)}, not ${this.name}`);
    if (int64(resp.pemCrc32c) !== String(crc32c(pem))) throw step(s, 'response CRC32C mismatch');
    const algorithm = String(resp.algorithm ?? '');
    if (!schemeFromAlgorithm(algorithm)) throw step(s, `${this.name}: unsupported algorithm ${algorithm}`);
    const vk = verifyKeyFromPem(pem, algorithm, s);
    if (this.attestorKey.pem && !sameKey(vk.key, verifyKeyFromPem(this.attestorKey.pem, undefined, 'attestor key').key)) {
      throw step(s, `${this.name} is not the public key the attestor lists for ${this.keyId}`);
    }
    return vk;
  }

  async sign(payload: Uint8Array): Promise<Buffer> {
    const vk = await this.kmsPublicKey();
    const digest = createHash(vk.scheme.hash).update(payload).digest();
    const request = { name: this.name, digest: { [vk.scheme.hash]: digest }, digestCrc32c: { value: crc32c(digest) } };
    const s = 'KMS asymmetricSign';
    let resp;
    try {
      [resp] = await this.client.asymmetricSign(request);
    } catch (e) {
      throw step(s, `${this.name}: ${describeError(e)}`, e);
    }
    // The three checks of Google's "verifying end-to-end integrity" guide.
    if (resp.verifiedDigestCrc32c !== true) throw step(s, 'request digest CRC32C not verified by KMS');
    if (resp.name !== this.name) throw step(s, `response names ${JSON.stringify(resp.name)}, not ${this.name}`);
    const signature = Buffer.from(resp.signature ?? new Uint8Array());
    if (int64(resp.signatureCrc32c) !== String(crc32c(signature))) throw step(s, 'response CRC32C mismatch');
    if (!verifySignature(vk, payload, signature)) throw step('verifying KMS signature', `signature by ${this.name} does not verify`);
    return signature;
  }

  async verify(payload: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return verifySignature(await this.verifyKey(), payload, signature);
  }

  /** Verification follows the attestor's PEM (what BinAuthz enforces), KMS only when it lists none. */
  private verifyKey(): Promise<VerifyKey> {
    const { pem } = this.attestorKey;
    return pem ? Promise.resolve(attestorVerifyKey({ ...this.attestorKey, pem })) : this.kmsPublicKey();
  }
}

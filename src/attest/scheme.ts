/** Signature schemes: which digest a key signs, and how to verify with node:crypto. */
import { createPublicKey, constants, verify, type KeyObject } from 'node:crypto';
import { ReimageError } from '../util/errors';

export type DigestName = 'sha256' | 'sha384' | 'sha512';

export interface Scheme {
  hash: DigestName;
  pss: boolean;
}

/**
 * From a KMS CryptoKeyVersionAlgorithm (EC_SIGN_P256_SHA256, RSA_SIGN_PSS_2048_SHA256, ...)
 * or a BinAuthz signatureAlgorithm (ECDSA_P384_SHA384, ...): both end in the digest name.
 */
export function schemeFromAlgorithm(algorithm: string): Scheme | undefined {
  const m = /^(EC_SIGN_P(?:256|384)|ECDSA_P(?:256|384|521)|RSA_(?:SIGN_)?(?:PSS|PKCS1)_\d+)_SHA(256|384|512)$/.exec(algorithm);
  if (!m) return undefined;
  return { hash: `sha${m[2]}` as DigestName, pss: algorithm.includes('PSS') };
}

/** Fallback when only a PEM is known: ECDSA digest follows the curve; RSA assumes PKCS#1 v1.5 SHA-256. */
function schemeFromKey(key: KeyObject): Scheme | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec') {
    const hash = ({ prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' } as const)[curve as string];
    return hash ? { hash, pss: false } : undefined;
  }
  return key.asymmetricKeyType === 'rsa' ? { hash: 'sha256', pss: false } : undefined;
}

/** A public key ready for verification. */
export interface VerifyKey {
  key: KeyObject;
  scheme: Scheme;
}

export function verifyKeyFromPem(pem: string, algorithm: string | undefined, what: string): VerifyKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new ReimageError(`${what}: cannot parse public key PEM`, { cause: e });
  }
  const scheme = algorithm ? schemeFromAlgorithm(algorithm) : schemeFromKey(key);
  if (!scheme) throw new ReimageError(`${what}: unsupported signature algorithm ${algorithm ?? key.asymmetricKeyType ?? 'unknown'}`);
  return { key, scheme };
}

export function verifySignature(vk: VerifyKey, payload: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = vk.scheme.pss ? { key: vk.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : vk.key;
    return verify(vk.scheme.hash, payload, key, signature);
  } catch {
    return false; // malformed DER, wrong key type: simply not a valid signature
  }
}

export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

import type { Reference } from '../reference/types';

/** What happened to one distinct digest. */
export interface AttestOutcome {
  /** registry/repository@sha256:... */
  image: Reference;
  status: 'created' | 'existing' | 'dry-run';
  /** Grafeas occurrence name when created */
  occurrence?: string;
}

/** A digest that could not be attested; `error` names the image and the step. */
export interface AttestFailure {
  image: Reference;
  status: 'failed';
  error: string;
}

export type AttestResult = AttestOutcome | AttestFailure;

/** The flags attestation reads (the CLI's Options extend this); the comment names the flag. */
export interface AttestSettings {
  /** -binauthz-attestor projects/P/attestors/A */
  binauthzAttestor: string;
  /** -binauthz-endpoint URL; default https://binaryauthorization.googleapis.com */
  binauthzEndpoint: string;
  /** -gcp-kms-key */
  gcpKmsKey: string;
  /** -kms-endpoint HOST:PORT */
  kmsEndpoint: string;
  /** -grafeas-parent */
  grafeasParent: string;
  /** -grafeas-endpoint HOST:PORT */
  grafeasEndpoint: string;
  /** -dryrun: look up and verify, create nothing */
  dryRun: boolean;
  /** -concurrency */
  concurrency: number;
}

/** One public key of a Binary Authorization attestor. */
export interface AttestorKey {
  /** As the attestor lists it, e.g. //cloudkms.googleapis.com/v1/projects/.../cryptoKeyVersions/1 */
  id: string;
  /** pkixPublicKey.publicKeyPem, when the key is a PKIX key */
  pem: string | undefined;
  /** pkixPublicKey.signatureAlgorithm, e.g. ECDSA_P256_SHA256 */
  signatureAlgorithm: string | undefined;
}

/** The parts of a v1 Attestor that attestation needs. */
export interface Attestor {
  /** projects/P/attestors/A */
  name: string;
  /** userOwnedGrafeasNote.noteReference: projects/P/notes/N */
  noteReference: string;
  publicKeys: AttestorKey[];
}

/** Checks signatures of one attestor key. */
export interface Verifier {
  /** The id written as the signature's publicKeyId (the attestor's key id) */
  readonly keyId: string;
  /** True when `signature` is a valid signature of `payload` by this key */
  verify(payload: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** Signs payloads with one key. */
export interface Signer extends Verifier {
  /** DER signature over the payload; rejects with an error whose message starts with the failed step */
  sign(payload: Uint8Array): Promise<Buffer>;
}

import { BadReferenceError } from './errors';
import { DIGEST_ALGORITHM, DIGEST_HEX_LENGTH } from './grammar';

export interface DigestParts {
  /** e.g. "sha256" */
  readonly algorithm: string;
  /** lowercase hex */
  readonly hex: string;
}

/** Why `digest` is not a valid `algorithm:hex` digest, or undefined when it is. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon < 0) return `digest ${JSON.stringify(digest)} must have the form algorithm:hex (e.g. sha256:<64 hex digits>)`;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!DIGEST_ALGORITHM.test(algorithm)) return `digest algorithm ${JSON.stringify(algorithm)} is malformed`;
  const length = DIGEST_HEX_LENGTH.get(algorithm);
  if (length === undefined) {
    return `unsupported digest algorithm ${JSON.stringify(algorithm)} (supported: ${[...DIGEST_HEX_LENGTH.keys()].join(', ')})`;
  }
  if (hex.length !== length || !/^[a-f0-9]*$/.test(hex)) {
    return `${algorithm} digest must be ${length} lowercase hex digits, got ${JSON.stringify(hex)}`;
  }
  return undefined;
}

/** Splits a digest into algorithm and hex, throwing BadReferenceError when it is malformed. */
export function splitDigest(digest: string): DigestParts {
  const problem = digestProblem(digest);
  if (problem !== undefined) throw new BadReferenceError(digest, problem, 'digest');
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon), hex: digest.slice(colon + 1) };
}

export function isDigest(s: string): boolean {
  return digestProblem(s) === undefined;
}

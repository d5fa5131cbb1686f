/**
 * The docker/distribution reference grammar (distribution/reference regexp.go), piece by piece.
 * Only anchored forms are exported: each is applied to one already-split part of a reference.
 */

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;

export const PATH_COMPONENT = new RegExp(`^${pathComponent}$`);
export const DOMAIN_AND_PORT = new RegExp(`^${domainAndPort}$`);
/** `[\w][\w.-]{0,127}`; Go's \w is ASCII-only, as is JS's without the u flag */
export const TAG = /^\w[\w.-]{0,127}$/;
/** The algorithm half of the grammar's digest (`algorithm:hex`) */
export const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
/** A bare image ID, which docker refuses as a repository name */
export const IDENTIFIER = /^[a-f0-9]{64}$/;

export const REPOSITORY_MAX_LENGTH = 255;
export const TAG_MAX_LENGTH = 128;

/**
 * Digest algorithms go-digest defines, with their hex lengths. The grammar allows any algorithm with
 * 32+ hex digits, but distribution's Parse then calls digest.Validate, which accepts only these (lowercase).
 */
export const DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

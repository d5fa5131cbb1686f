import { digestProblem } from './digest';
import { BadReferenceError } from './errors';
import { DOMAIN_AND_PORT, IDENTIFIER, PATH_COMPONENT, REPOSITORY_MAX_LENGTH, TAG, TAG_MAX_LENGTH } from './grammar';
import type { Reference } from './types';

/** go-containerregistry's defaults for weak validation */
export const DEFAULT_REGISTRY = 'index.docker.io';
export const DEFAULT_TAG = 'latest';
/** ggcr rewrites exactly this spelling (not registry-1.docker.io, not with a port) to DEFAULT_REGISTRY */
const DOCKER_HUB_ALIAS = 'docker.io';
const OFFICIAL_NAMESPACE = 'library/';

export interface ParseOptions {
  /**
   * Mirror ggcr's StrictValidation: no registry, `library/` or tag defaults are filled in, so the input
   * must name its registry, its full Docker Hub path, and a tag or a digest.
   * @default false
   */
  strict?: boolean;
}

/**
 * Parses an image reference with the docker/distribution grammar, normalised like go-containerregistry.
 * Unlike ggcr's ParseReference, `repo:tag@digest` keeps both the tag and the digest.
 */
export function parseReference(s: string, opts: ParseOptions = {}): Reference {
  const fail = (reason: string): BadReferenceError => new BadReferenceError(s, reason);
  if (s === '') throw fail('must not be empty');
  if (/\s/.test(s)) throw fail('must not contain whitespace');
  // Docker reads a bare 64-hex string as an image ID, never as a Docker Hub repository.
  if (IDENTIFIER.test(s)) throw fail('a 64-character hex string is an image ID, not a repository name');
  // ko, Skaffold and similar tools write `scheme://path` placeholders that they replace at build time.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    const name = scheme[1] as string;
    throw fail(`${name}:// is a ${name === 'ko' ? 'ko build placeholder' : 'URL'}, not an image reference; resolve it first, or skip it with -ignore '^${name}://'`);
  }

  let rest = s;
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    if (s.includes('@', at + 1)) throw fail("must contain at most one '@'");
    digest = s.slice(at + 1);
    rest = s.slice(0, at);
    if (digest === '') throw fail("missing digest after '@'");
  }

  // The last ':' starts a tag unless a '/' follows it, in which case it is a registry port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.includes('/', colon)) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') throw fail("missing tag after ':'");
  }
  if (rest === '') throw fail('missing repository name');

  // As ggcr: the first component is a registry only if it looks like a host and more follows.
  let registry = '';
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first === 'localhost' || first.includes('.') || first.includes(':')) {
      registry = first;
      path = rest.slice(slash + 1);
    }
  }

  if (opts.strict) {
    if (registry === '') throw fail('strict validation requires the registry to be explicitly defined');
    if (tag === undefined && digest === undefined) throw fail('strict validation requires an explicit tag or digest');
  }
  return build(s, registry || DEFAULT_REGISTRY, path, tag, digest, opts.strict ?? false);
}

/** A reference to `registry/repository`, validated like parsed ones; `latest` when neither tag nor digest is given. */
export function referenceFromParts(
  registry: string,
  repository: string,
  ids: { tag?: string | undefined; digest?: string | undefined } = {},
): Reference {
  const shown = `${registry}/${repository}${ids.tag === undefined ? '' : `:${ids.tag}`}${ids.digest === undefined ? '' : `@${ids.digest}`}`;
  if (registry === '') throw new BadReferenceError(shown, 'registry must not be empty');
  return build(undefined, registry, repository, ids.tag, ids.digest, false);
}

/** `context@digest`, dropping any tag (as ggcr's Repository.Digest). */
export function withDigest(ref: Reference, digest: string): Reference {
  return build(undefined, ref.registry, ref.repository, undefined, digest, false);
}

/** `context:tag`, dropping any digest (as ggcr's Repository.Tag). */
export function withTag(ref: Reference, tag: string): Reference {
  return build(undefined, ref.registry, ref.repository, tag, undefined, false);
}

/** Validates the parts and assembles the immutable value. `original` undefined means "use the name". */
function build(
  original: string | undefined,
  registryIn: string,
  path: string,
  tagIn: string | undefined,
  digest: string | undefined,
  strict: boolean,
): Reference {
  const fail = (reason: string): BadReferenceError => {
    const shown = `${registryIn}/${path}${tagIn === undefined ? '' : `:${tagIn}`}${digest === undefined ? '' : `@${digest}`}`;
    return new BadReferenceError(original ?? shown, reason);
  };

  if (!DOMAIN_AND_PORT.test(registryIn)) {
    throw fail(`registry ${JSON.stringify(registryIn)} is not a valid host[:port] (IPv6 addresses go in brackets)`);
  }
  const registry = registryIn === DOCKER_HUB_ALIAS ? DEFAULT_REGISTRY : registryIn;

  const pathProblem = repositoryProblem(path);
  if (pathProblem !== undefined) throw fail(pathProblem);
  let repository = path;
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) {
    if (strict) throw fail(`strict validation requires the full repository path (missing "${OFFICIAL_NAMESPACE}")`);
    repository = OFFICIAL_NAMESPACE + path;
  }
  // As distribution's Parse, the limit applies to the path the registry sees, `library/` included.
  if (repository.length > REPOSITORY_MAX_LENGTH) {
    throw fail(`repository must be at most ${REPOSITORY_MAX_LENGTH} characters, got ${repository.length}`);
  }

  if (tagIn !== undefined) {
    const problem = tagProblem(tagIn);
    if (problem !== undefined) throw fail(problem);
  }
  if (digest !== undefined) {
    const problem = digestProblem(digest);
    if (problem !== undefined) throw fail(problem);
  }

  const tag = tagIn === undefined && digest === undefined ? DEFAULT_TAG : tagIn;
  const context = `${registry}/${repository}`;
  const name = `${context}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
  const ref: Reference = {
    original: original ?? name,
    registry,
    repository,
    tag,
    digest,
    context,
    // digest ?? tag is never undefined: build() defaults the tag when there is no digest.
    identifier: digest ?? tag ?? DEFAULT_TAG,
    name,
  };
  return Object.freeze(ref);
}

function repositoryProblem(path: string): string | undefined {
  if (path === '') return 'missing repository name';
  const components = path.split('/');
  if (components.every((c) => PATH_COMPONENT.test(c))) return undefined;
  // As distribution's Parse: if lowercasing would make it valid, say that rather than something vaguer.
  if (components.every((c) => PATH_COMPONENT.test(c.toLowerCase()))) {
    return `repository ${JSON.stringify(path)} must be lowercase`;
  }
  if (components.some((c) => c === '')) return `repository ${JSON.stringify(path)} has an empty path component`;
  const bad = components.find((c) => !PATH_COMPONENT.test(c)) ?? path;
  return (
    `repository path component ${JSON.stringify(bad)} is invalid: ` +
    "use lowercase letters and digits, separated by '.', '_', '__' or '-'"
  );
}

function tagProblem(tag: string): string | undefined {
  if (tag.length > TAG_MAX_LENGTH) return `tag must be at most ${TAG_MAX_LENGTH} characters, got ${tag.length}`;
  if (TAG.test(tag)) return undefined;
  return (
    `tag ${JSON.stringify(tag)} is invalid: ` +
    "it must start with a letter, digit or '_' and contain only letters, digits, '_', '.' and '-'"
  );
}

import {
  BadReferenceError,
  isBadReferenceError,
  parseReference,
  referenceFromParts,
  splitDigest,
  withDigest,
  withTag,
} from '../src/reference';
import { ReimageError } from '../src/util/errors';

const F64 = 'f'.repeat(64);
const D = `sha256:${F64}`;
const DEAD = 'sha256:deadb33fdeadb33fdeadb33fdeadb33fdeadb33fdeadb33fdeadb33fdeadb33f';

/** [input, registry, repository, tag, digest]; name is derived from these. */
type Good = [string, string, string, string | undefined, string | undefined];

// From distribution/reference reference_test.go & normalize_test.go and ggcr pkg/name *_test.go,
// with the expectations ggcr's weak normalisation gives (index.docker.io, library/, latest).
const good: Good[] = [
  ['nginx', 'index.docker.io', 'library/nginx', 'latest', undefined],
  ['nginx:1.25', 'index.docker.io', 'library/nginx', '1.25', undefined],
  ['library/nginx', 'index.docker.io', 'library/nginx', 'latest', undefined],
  ['docker.io/nginx', 'index.docker.io', 'library/nginx', 'latest', undefined],
  ['docker.io/library/nginx', 'index.docker.io', 'library/nginx', 'latest', undefined],
  ['index.docker.io/debian', 'index.docker.io', 'library/debian', 'latest', undefined],
  ['docker/docker', 'index.docker.io', 'docker/docker', 'latest', undefined],
  ['docker.io/docker/docker', 'index.docker.io', 'docker/docker', 'latest', undefined],
  ['registry-1.docker.io/nginx', 'registry-1.docker.io', 'nginx', 'latest', undefined],
  ['test_com', 'index.docker.io', 'library/test_com', 'latest', undefined],
  ['test.com:tag', 'index.docker.io', 'library/test.com', 'tag', undefined],
  ['test.com:5000', 'index.docker.io', 'library/test.com', '5000', undefined],
  ['localhost:5000', 'index.docker.io', 'library/localhost', '5000', undefined],
  ['test.com/repo:tag', 'test.com', 'repo', 'tag', undefined],
  ['test:5000/repo', 'test:5000', 'repo', 'latest', undefined],
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag', undefined],
  ['test:5000/repo@' + D, 'test:5000', 'repo', undefined, D],
  ['test:5000/repo:tag@' + D, 'test:5000', 'repo', 'tag', D],
  ['lowercase:Uppercase', 'index.docker.io', 'library/lowercase', 'Uppercase', undefined],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag', undefined],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com', undefined],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com', undefined],
  ['xn--7o8h.com/myimage:xn--7o8h.com@' + D, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', D],
  ['foo_bar.com:8080', 'index.docker.io', 'library/foo_bar.com', '8080', undefined],
  ['foo/foo_bar.com:8080', 'index.docker.io', 'foo/foo_bar.com', '8080', undefined],
  ['192.168.1.1', 'index.docker.io', 'library/192.168.1.1', 'latest', undefined],
  ['192.168.1.1/repo', '192.168.1.1', 'repo', 'latest', undefined],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050', undefined],
  ['127.0.0.1:5000/library/debian', '127.0.0.1:5000', 'library/debian', 'latest', undefined],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest', undefined],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag', undefined],
  ['[2001:db8::1]:5000/repo:tag@' + D, '[2001:db8::1]:5000', 'repo', 'tag', D],
  ['[::1]:5000/repo', '[::1]:5000', 'repo', 'latest', undefined],
  ['localhost/foo', 'localhost', 'foo', 'latest', undefined],
  ['localhost:5000/x', 'localhost:5000', 'x', 'latest', undefined],
  ['localhost/library/debian', 'localhost', 'library/debian', 'latest', undefined],
  ['gcr.io/project-id/image:w1th-alpha_num3ric.PLUScaps', 'gcr.io', 'project-id/image', 'w1th-alpha_num3ric.PLUScaps', undefined],
  ['example.text:8443/foo/bar:latest@' + DEAD, 'example.text:8443', 'foo/bar', 'latest', DEAD],
  ['nginx:latest@' + DEAD, 'index.docker.io', 'library/nginx', 'latest', DEAD],
  ['library/ubuntu@' + DEAD, 'index.docker.io', 'library/ubuntu', undefined, DEAD],
  ['docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'index.docker.io', 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'latest', undefined],
  ['docker-rules/docker', 'index.docker.io', 'docker-rules/docker', 'latest', undefined],
  ['docker---rules/docker', 'index.docker.io', 'docker---rules/docker', 'latest', undefined],
  ['dock__er/docker', 'index.docker.io', 'dock__er/docker', 'latest', undefined],
  ['d/docker', 'index.docker.io', 'd/docker', 'latest', undefined],
  ['0', 'index.docker.io', 'library/0', 'latest', undefined],
  ['Example.COM/foo', 'Example.COM', 'foo', 'latest', undefined],
  ['validname@sha512:' + 'f'.repeat(128), 'index.docker.io', 'library/validname', undefined, 'sha512:' + 'f'.repeat(128)],
  ['example.com/' + 'a'.repeat(255) + ':tag', 'example.com', 'a'.repeat(255), 'tag', undefined],
  ['a/'.repeat(127) + 'a:tag-puts-this-over-max', 'index.docker.io', 'a/'.repeat(127) + 'a', 'tag-puts-this-over-max', undefined],
  ['gcr.io/x:' + 'a'.repeat(128), 'gcr.io', 'x', 'a'.repeat(128), undefined],
  ['gcr.io/x:_under', 'gcr.io', 'x', '_under', undefined],
];

describe('parseReference: valid references', () => {
  test.each(good)('%s', (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    const name = `${registry}/${repository}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
    expect(ref).toEqual({
      original: input,
      registry,
      repository,
      tag,
      digest,
      context: `${registry}/${repository}`,
      identifier: digest ?? tag,
      name,
    });
    expect(Object.isFrozen(ref)).toBe(true);
    // The normalised name is a fixed point.
    expect(parseReference(ref.name).name).toBe(ref.name);
  });
});

/** [input, a fragment the message must contain] */
const bad: [string, string][] = [
  ['', 'must not be empty'],
  [' nginx', 'whitespace'],
  ['nginx ', 'whitespace'],
  ['gcr.io/project-id/wrong-length:white space', 'whitespace'],
  ['ng\tinx', 'whitespace'],
  [':justtag', 'missing repository name'],
  ['@' + D, 'missing repository name'],
  ['library/ubuntu:', "missing tag after ':'"],
  ['library/nginx:@' + DEAD, "missing tag after ':'"],
  ['gcr.io/project-id/missing-digest@', "missing digest after '@'"],
  ['repo@sha256:' + 'f'.repeat(34), 'sha256 digest must be 64 lowercase hex digits'],
  ['gcr.io/project-id/wrong-length@sha256:d34db33fd34db33f', 'sha256 digest must be 64 lowercase hex digits'],
  ['repo@sha256:' + 'F'.repeat(64), 'lowercase hex'],
  ['repo@sha256:' + 'sh'.repeat(32), 'lowercase hex'],
  ['repo@sha256:' + ':'.repeat(64), 'lowercase hex'],
  ['validname@invaliddigest:' + F64, 'unsupported digest algorithm "invaliddigest"'],
  ['gcr.io/project-id/unknown-alg@unknown:abc123', 'unsupported digest algorithm'],
  ['repo@' + F64, 'must have the form algorithm:hex'],
  ['repo@-sha:' + F64, 'digest algorithm "-sha" is malformed'],
  [`repo@${DEAD}@${DEAD}`, "at most one '@'"],
  ['gcr.io/project-id/bad_chars:c@n\'tuse', 'algorithm:hex'],
  ['Uppercase:tag', 'repository "Uppercase" must be lowercase'],
  ['Foo/bar', 'repository "Foo/bar" must be lowercase'],
  ['test:5000/Uppercase/lowercase:tag', 'repository "Uppercase/lowercase" must be lowercase'],
  ['docker/Docker', 'must be lowercase'],
  ['docker.io/docker/Docker', 'must be lowercase'],
  ['LOCALDOMAIN/library/debian', 'must be lowercase'],
  ['domain/' + 'a'.repeat(256) + ':tag', 'repository must be at most 255 characters'],
  ['a'.repeat(250), 'repository must be at most 255 characters, got 258'],
  ['aa/asdf$$^/aa', 'path component "asdf$$^" is invalid'],
  ['-docker', 'path component "-docker" is invalid'],
  ['docker-/docker', 'path component "docker-" is invalid'],
  ['____/____', 'is invalid'],
  ['_docker/_docker', 'is invalid'],
  // A '.' makes the first component a registry (ggcr's rule), which the host grammar then rejects.
  ['dock..er/docker', 'registry "dock..er" is not a valid host'],
  ['dock_.er/docker', 'registry "dock_.er"'],
  ['x/dock..er', 'path component "dock..er" is invalid'],
  ['docker///docker', 'empty path component'],
  ['docker/', 'empty path component'],
  ['gcr.io/', 'missing repository name'],
  ['b@char/image', 'algorithm:hex'],
  ['-docker.io/docker/docker', 'registry "-docker.io" is not a valid host[:port]'],
  ['https://github.com/docker/docker', "https:// is a URL, not an image reference; resolve it first, or skip it with -ignore '^https://'"],
  ['ko://github.com/tektoncd/pipeline/cmd/controller', "ko:// is a ko build placeholder, not an image reference; resolve it first, or skip it with -ignore '^ko://'"],
  ['fc00::1:5000/debian', 'registry "fc00::1:5000"'],
  ['[fe80::1%eth0]:5000/repo', 'registry'],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'registry'],
  ['[2001:db8::1]', 'is invalid'],
  ['[2001:db8::1]:5000', 'is invalid'],
  ['gcr?com/x', 'path component "gcr?com" is invalid'],
  ['gcr.io/x:' + 'a'.repeat(129), 'tag must be at most 128 characters, got 129'],
  [
    'gcr.io/project-id/too-many-chars:thisisthetagthatneverendsitgoesonandonmyfriendsomepeoplestartedtaggingitnotknowingwhatitwasandtheyllcontinuetaggingitforeverjustbecausethisisthetagthatneverends',
    'tag must be at most 128 characters',
  ],
  ['gcr.io/x:.dot', 'tag ".dot" is invalid'],
  ['gcr.io/x:-dash', 'tag "-dash" is invalid'],
  ['gcr.io/x:a+b', 'tag "a+b" is invalid'],
  ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'image ID'],
  ['nginx:1.0:2.0', 'is invalid'],
];

describe('parseReference: invalid references', () => {
  test.each(bad)('%j', (input, fragment) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadReferenceError);
    expect(err).toBeInstanceOf(ReimageError);
    expect(isBadReferenceError(err)).toBe(true);
    const e = err as BadReferenceError;
    expect(e.message.startsWith(`invalid image reference ${JSON.stringify(input)}: `)).toBe(true);
    expect(e.message).toContain(fragment);
    expect(e.reference).toBe(input);
  });

  test('message names the problem', () => {
    expect(() => parseReference('Foo/bar')).toThrow('invalid image reference "Foo/bar": repository "Foo/bar" must be lowercase');
  });
});

describe('parseReference: strict validation (ggcr StrictValidation)', () => {
  test.each([
    'gcr.io/g-convoy/hello-world:latest',
    'gcr.io/google.com/g-convoy/hello-world:latest',
    'us.gcr.io/project-id/image:with.period.in.tag',
    'domain.with.port:9001/image:latest',
    'gcr.io/g-convoy/hello-world@' + DEAD,
    'example.text:8443/foo/bar:latest@' + DEAD,
    'index.docker.io/library/ubuntu:22.04',
    'localhost/foo:1',
  ])('accepts %s and reproduces it as the name', (input) => {
    expect(parseReference(input, { strict: true }).name).toBe(input);
  });

  test.each([
    ['namespace/pathcomponent/image:v1', 'registry to be explicitly defined'],
    ['library/ubuntu:latest', 'registry to be explicitly defined'],
    ['gcr.io/project-id/implicit-latest', 'explicit tag or digest'],
    ['index.docker.io/ubuntu:latest', 'missing "library/"'],
    ['docker.io/ubuntu:latest', 'missing "library/"'],
    ['nginx@' + DEAD, 'registry to be explicitly defined'],
  ])('rejects %s', (input, fragment) => {
    expect(() => parseReference(input, { strict: true })).toThrow(fragment);
    expect(() => parseReference(input)).not.toThrow();
  });

  test('docker.io is still rewritten', () => {
    expect(parseReference('docker.io/library/ubuntu:latest', { strict: true }).name).toBe('index.docker.io/library/ubuntu:latest');
  });
});

describe('derived references', () => {
  const ref = parseReference('host:5000/a/b:t@' + D);

  test('keeps tag and digest; identifier is the digest', () => {
    expect(ref.tag).toBe('t');
    expect(ref.digest).toBe(D);
    expect(ref.identifier).toBe(D);
    expect(ref.name).toBe(`host:5000/a/b:t@${D}`);
  });

  test('withDigest drops the tag', () => {
    const d = withDigest(parseReference('nginx:1.25'), DEAD);
    expect(d).toMatchObject({ name: `index.docker.io/library/nginx@${DEAD}`, original: `index.docker.io/library/nginx@${DEAD}`, tag: undefined, identifier: DEAD });
    expect(() => withDigest(ref, 'sha256:abc')).toThrow(BadReferenceError);
  });

  test('withTag drops the digest', () => {
    expect(withTag(ref, 'v2')).toMatchObject({ name: 'host:5000/a/b:v2', digest: undefined, identifier: 'v2' });
    expect(() => withTag(ref, 'bad tag')).toThrow('tag "bad tag" is invalid');
  });

  test('referenceFromParts normalises and validates', () => {
    expect(referenceFromParts('docker.io', 'nginx').name).toBe('index.docker.io/library/nginx:latest');
    expect(referenceFromParts('r.example:5000', 'x/y', { tag: 't', digest: DEAD }).name).toBe(`r.example:5000/x/y:t@${DEAD}`);
    expect(referenceFromParts('r.example', 'x', { digest: DEAD }).tag).toBeUndefined();
    expect(referenceFromParts('myhost', 'x').registry).toBe('myhost');
    expect(() => referenceFromParts('', 'x')).toThrow('registry must not be empty');
    expect(() => referenceFromParts('r.example', 'X')).toThrow('must be lowercase');
  });

  test('splitDigest', () => {
    expect(splitDigest(DEAD)).toEqual({ algorithm: 'sha256', hex: DEAD.slice(7) });
    expect(() => splitDigest('sha256:abc')).toThrow('invalid digest "sha256:abc"');
  });
});

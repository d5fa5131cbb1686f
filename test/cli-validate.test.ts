import { DEFAULT_OPTIONS, Options } from '../src/cli/options';
import { validateOptions } from '../src/cli/validate';
import { UsageError } from '../src/util/errors';

const opts = (o: Partial<Options>): Options => ({ ...DEFAULT_OPTIONS, rules: [], vulncheckIgnoreCveList: [], insecureRegistries: [], ...o });
const errOf = (o: Partial<Options>): string => {
  try {
    validateOptions(opts(o));
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no error');
};
const warn = (o: Partial<Options>): string[] => validateOptions(opts(o));

test('defaults are valid and quiet', () => {
  expect(warn({})).toEqual([]);
});

test.each<[Partial<Options>, string]>([
  [{ ignore: '(' }, 'invalid -ignore regexp "(": error parsing regexp: missing closing ): `(`'],
  [{ renameIgnore: '(' }, 'invalid -rename-ignore regexp "(": error parsing regexp: missing closing ): `(`'],
  [{ vulncheckIgnoreImages: 'a**' }, 'invalid -vulncheck-ignore-images regexp "a**": error parsing regexp: invalid nested repetition operator: `**`'],
  [{ rules: [{ kind: '(', apiVersion: '', imageJSONP: ['$.a'] }] }, 'invalid spec.rules[0].kind regexp "(": error parsing regexp: missing closing ): `(`'],
  [{ input: 'json' as Options['input'] }, 'invalid -input "json", should be k8s or yaml'],
  [{ vulncheckMethod: 'clair' as Options['vulncheckMethod'] }, 'invalid -vulncheck-method "clair", should be exec or trivy or grafeas'],
  [{ vulncheckMaxCvss: -1 }, '-vulncheck-max-cvss must be between 0 and 11, got -1'],
  [{ vulncheckMaxCvss: 11.5 }, '-vulncheck-max-cvss must be between 0 and 11, got 11.5'],
  [{ vulncheckMaxCvss: NaN }, '-vulncheck-max-cvss must be between 0 and 11, got NaN'],
  [{ listImages: true, writeJsonMappingsFile: 'm.json' }, '-list-images only lists images, so it cannot be combined with -write-json-mappings-file'],
  [{ listImages: true, writeKustomizeImages: 'k.yaml' }, '-list-images only lists images, so it cannot be combined with -write-kustomize-images'],
  [{ listImages: true, verifyOnly: true }, '-list-images only lists images, so it cannot be combined with -verify-only'],
  [{ listFormat: 'json' }, '-list-format json needs -list-images'],
  [{ concurrency: 0 }, '-concurrency must be at least 1, got 0'],
  [{ concurrency: 2.5 }, '-concurrency must be an integer, got 2.5'],
  [{ vulncheckMaxRetries: -1 }, '-vulncheck-max-retries must be at least 0, got -1'],
  [{ vulncheckTimeoutMs: 0 }, '-vulncheck-timeout must be positive, got 0ms'],
  [{ vulncheckTimeoutMs: -5 }, '-vulncheck-timeout must be positive, got -5ms'],
  [
    { staticJsonMappingsFile: 'a', staticJsonMappingsImg: 'b' },
    'only one static mappings configuration is allowed: -static-json-mappings-file or -static-json-mappings-img',
  ],
  [
    { mappingsOnly: true },
    '-mappings-only requested, but no static mappings file or image specified (-static-json-mappings-file or -static-json-mappings-img)',
  ],
  [{ trivyCommand: 'trivy "image' }, 'could not parse -trivy-command "trivy \\"image": expected closing quote " for the quote at offset 6, got end of input'],
  [{ trivyCommand: '  ', vulncheckMaxCvss: 7 }, '-trivy-command is empty'],
  [{ vulncheckMethod: 'grafeas', vulncheckMaxCvss: 7 }, '-vulncheck-method grafeas needs -grafeas-parent (e.g. projects/my-project-id)'],
  [{ grafeasParent: 'project/p' }, 'invalid -grafeas-parent "project/p": want projects/PROJECT'],
  [{ binauthzAttestor: 'projects/p/attestors/a' }, '-binauthz-attestor needs -grafeas-parent (attestations are written there)'],
  [{ binauthzAttestor: 'attestors/a', grafeasParent: 'projects/p' }, 'invalid -binauthz-attestor "attestors/a": want projects/PROJECT/attestors/ATTESTOR'],
  [
    { binauthzAttestor: 'projects/p/attestors/a', grafeasParent: 'projects/p', gcpKmsKey: 'projects/p/keyRings/r' },
    'invalid -gcp-kms-key "projects/p/keyRings/r": want projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V',
  ],
  [{ vulncheckReport: 'report.txt' }, '-vulncheck-report "report.txt" must end in .md or .html'],
  [{ grafeasEndpoint: 'localhost' }, 'invalid -grafeas-endpoint "localhost": want HOST:PORT'],
  [{ kmsEndpoint: 'http://h:1' }, 'invalid -kms-endpoint "http://h:1": want HOST:PORT'],
  [{ kmsEndpoint: 'h:70000' }, 'invalid -kms-endpoint "h:70000": want HOST:PORT'],
  [{ binauthzEndpoint: 'ftp://x' }, 'invalid -binauthz-endpoint "ftp://x": want an http(s) URL such as https://binaryauthorization.googleapis.com'],
  [{ binauthzEndpoint: 'not a url' }, 'invalid -binauthz-endpoint "not a url": want an http(s) URL such as https://binaryauthorization.googleapis.com'],
  [{ insecureRegistries: ['http://r:5000'] }, 'invalid -insecure-registry "http://r:5000": want HOST[:PORT], without a scheme or path'],
  [{ insecureRegistries: ['r:5000/path'] }, 'invalid -insecure-registry "r:5000/path": want HOST[:PORT], without a scheme or path'],
])('%j', (o, msg) => {
  expect(errOf(o)).toBe(msg);
});

test('well-formed settings pass', () => {
  expect(
    warn({
      ignore: '(?i)^k8s\\.gcr\\.io/',
      vulncheckIgnoreImages: '[[:alpha:]]+',
      vulncheckMethod: 'grafeas',
      vulncheckMaxCvss: 11,
      grafeasParent: 'projects/p',
      grafeasEndpoint: '127.0.0.1:8443',
      binauthzAttestor: 'projects/p/attestors/a',
      binauthzEndpoint: 'http://127.0.0.1:9000',
      gcpKmsKey: '//cloudkms.googleapis.com/v1/projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
      kmsEndpoint: '[::1]:9443',
      insecureRegistries: ['localhost:5000', 'registry.local', '[::1]:5000'],
      vulncheckReport: 'out/report.HTML',
      rules: [{ kind: 'Raw', apiVersion: '', imageJSONP: ['$.image'] }],
      concurrency: 1,
      vulncheckMaxRetries: 0,
    }),
  ).toEqual([]);
});

test('warnings for settings without effect', () => {
  expect(warn({ staticJsonMappingsFile: 'm.json', renameRemotePath: 'reg/x' })).toEqual([
    'static mappings are set, so image renaming is disabled (-rename-remote-path and -rename-template are ignored)',
  ]);
  expect(warn({ staticJsonMappingsImg: 'reg/m:1', renameTemplate: 'x' })).toHaveLength(1);
  expect(warn({ renameTemplate: '{{ .Registry }}' })).toEqual([
    '-rename-remote-path is empty, so images are not renamed (-rename-template and -rename-ignore have no effect)',
  ]);
  expect(warn({ noCopy: true, clobber: true })).toEqual(['-clobber has no effect with -no-copy']);
  expect(warn({ gcpKmsKey: 'projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1' })).toEqual([
    '-gcp-kms-key has no effect without -binauthz-attestor',
  ]);
});

test('grafeas without checks needs no parent (max CVSS 0 disables them)', () => {
  expect(warn({ vulncheckMethod: 'grafeas' })).toEqual([]);
});

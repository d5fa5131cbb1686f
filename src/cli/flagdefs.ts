/**
 * The one table of reimage's settings. It drives the flag parser, the help
 * text, the ConfigMap keys (flag names) and the typed FunctionConfig paths.
 */
import { Options } from './options';

export type FlagKind = 'bool' | 'string' | 'int' | 'float' | 'duration' | 'list';

/** The kinds that can hold a value of type V (durations are stored as milliseconds). */
type KindOf<V> = V extends boolean
  ? 'bool'
  : V extends number
    ? 'int' | 'float' | 'duration'
    : V extends readonly string[]
      ? 'list'
      : V extends string
        ? 'string'
        : never;

/** Every Options key is a flag, except inline rules (FunctionConfig only). */
export type FlagKey = Exclude<keyof Options, 'rules'>;

export type FlagGroup = 'general' | 'input' | 'rename' | 'copy' | 'mappings' | 'vulncheck' | 'attest' | 'registry' | 'policy';

interface FlagSpec<K extends FlagKey> {
  /** Flag name without dashes; also the ConfigMap data key. */
  name: string;
  aliases?: readonly string[];
  kind: KindOf<Options[K]>;
  group: FlagGroup;
  help: string;
  /** Placeholder shown in help instead of the Go type name. */
  arg?: string;
  /** Allowed values; they must be members of Options[K]. */
  choices?: readonly Extract<Options[K], string>[];
  /** Numeric bounds, checked by validateOptions and published in the schema. */
  min?: number;
  max?: number;
  /** A repeated list flag appends; otherwise the last occurrence wins, as in Go. */
  repeatable?: boolean;
  /** A list flag whose occurrences are kept whole, not split on commas (the value has its own syntax). */
  whole?: boolean;
  /** Default shown in help and the schema when the option's own default is '' meaning "not given". */
  shownDefault?: string;
  /** Dotted path under `spec` of the typed FunctionConfig; absent: command line only. */
  spec?: string;
}

export type FlagDef = { key: FlagKey } & FlagSpec<FlagKey>;

// A mapped type: adding an Options key without a row here fails to compile.
const TABLE: { readonly [K in FlagKey]: FlagSpec<K> } = {
  help: { name: 'h', aliases: ['help'], kind: 'bool', group: 'general', help: 'show this help' },
  version: { name: 'V', aliases: ['version'], kind: 'bool', group: 'general', help: 'print version/build info' },
  debug: { name: 'debug', kind: 'bool', group: 'general', help: 'enable debug logging', spec: 'debug' },
  dryRun: { name: 'dryrun', kind: 'bool', group: 'general', help: 'only log actions', spec: 'dryRun' },
  concurrency: {
    name: 'concurrency',
    kind: 'int',
    group: 'general',
    help: 'how many registry and attestation operations run at once (scans: -vulncheck-workers)',
    min: 1,
    spec: 'concurrency',
  },

  input: {
    name: 'input',
    kind: 'string',
    group: 'input',
    help: 'type of input (k8s or yaml)',
    choices: ['k8s', 'yaml'],
    spec: 'input',
  },
  annotate: {
    name: 'annotate',
    kind: 'bool',
    group: 'input',
    help: 'add the reimage.dev/mappings annotation (original -> final images) to each rewritten resource; never in -input yaml',
    spec: 'annotate',
  },
  rulesConfig: {
    name: 'rules-config',
    kind: 'string',
    group: 'input',
    arg: 'file',
    help: 'YAML definition of kind/image-path rules (kind: Raw for raw YAML input rules)',
    spec: 'rulesConfig',
  },
  defaultRules: {
    name: 'default-rules',
    kind: 'bool',
    group: 'input',
    help: 'apply the built-in image rules for well-known custom resources (rules/default-rules.yaml) after your own',
    spec: 'defaultRules',
  },
  findPodSpecs: {
    name: 'find-podspecs',
    kind: 'bool',
    group: 'input',
    help: 'find images in pod specs inside any kind (containers, initContainers, ephemeralContainers, image volumes), not only the core workloads',
    spec: 'findPodSpecs',
  },
  listImages: {
    name: 'list-images',
    kind: 'bool',
    group: 'input',
    help: 'print every image field found (resource, field path, image, the rule or location that found it); rewrite and copy nothing',
    spec: 'listImages',
  },
  listFormat: {
    name: 'list-format',
    aliases: ['o'],
    kind: 'string',
    group: 'input',
    arg: 'format',
    help: 'format of the -list-images inventory: text (one line per field) or json',
    choices: ['text', 'json'],
    spec: 'listFormat',
  },
  ignore: {
    name: 'ignore',
    kind: 'string',
    group: 'input',
    arg: 'regexp',
    help: 'completely ignore images matching this expression',
    spec: 'ignore',
  },

  renameRemotePath: {
    name: 'rename-remote-path',
    kind: 'string',
    group: 'rename',
    arg: 'path',
    help: 'registry path that renamed images are copied under, the template\'s .RemotePath (no renaming without it)',
    spec: 'rename.remotePath',
  },
  renameTemplate: {
    name: 'rename-template',
    kind: 'string',
    group: 'rename',
    arg: 'template',
    help: 'template for remapping imported images',
    spec: 'rename.template',
  },
  renameIgnore: {
    name: 'rename-ignore',
    kind: 'string',
    group: 'rename',
    arg: 'regexp',
    help: 'do not rename images matching this expression (they may still be converted to digest form)',
    spec: 'rename.ignore',
  },
  renameForceDigest: {
    name: 'rename-force-digest',
    kind: 'bool',
    group: 'rename',
    help: 'the final renamed image will be transformed to digest form before output',
    spec: 'rename.forceDigest',
  },
  keepTag: {
    name: 'keep-tag',
    kind: 'bool',
    group: 'rename',
    help: 'write digest pins as name:tag@sha256:..., keeping the name and tag as written (implies -rename-force-digest; mappings are unchanged)',
    spec: 'rename.keepTag',
  },
  platform: {
    name: 'platform',
    kind: 'string',
    group: 'rename',
    arg: 'os/arch[/variant]',
    help: "pin (and copy) only this platform's manifest from an image index; the output and mappings carry its digest (implies -rename-force-digest)",
    spec: 'platform',
  },

  clobber: { name: 'clobber', kind: 'bool', group: 'copy', help: 'allow overwriting remote images', spec: 'copy.clobber' },
  noCopy: { name: 'no-copy', kind: 'bool', group: 'copy', help: 'disable copying of renamed images', spec: 'copy.disabled' },
  copyReferrers: {
    name: 'copy-referrers',
    kind: 'bool',
    group: 'copy',
    help: 'copy what refers to each copied image too: cosign sha256-<hex>.sig/.att/.sbom tags and OCI 1.1 referrers (API or fallback tag), for the index and every platform, recursively',
    spec: 'copy.referrers',
  },

  staticJsonMappingsFile: {
    name: 'static-json-mappings-file',
    kind: 'string',
    group: 'mappings',
    arg: 'file',
    help: 'take all mappings from a mappings file',
    spec: 'mappings.static.file',
  },
  staticJsonMappingsImg: {
    name: 'static-json-mappings-img',
    kind: 'string',
    group: 'mappings',
    arg: 'image',
    help: 'take all mappings from a mappings registry image',
    spec: 'mappings.static.image',
  },
  verifyStaticJsonMappings: {
    name: 'verify-static-json-mappings',
    kind: 'bool',
    group: 'mappings',
    help: 'when loading static mappings, verify that the targets are still valid',
    spec: 'mappings.static.verify',
  },
  mappingsOnly: {
    name: 'mappings-only',
    kind: 'bool',
    group: 'mappings',
    help: 'skip YAML processing, run copying, checks and attestations on all images in the static mappings',
    spec: 'mappings.only',
  },
  writeJsonMappingsFile: {
    name: 'write-json-mappings-file',
    kind: 'string',
    group: 'mappings',
    arg: 'file',
    help: 'write final image mappings to a JSON file',
    spec: 'mappings.write.file',
  },
  writeJsonMappingsImg: {
    name: 'write-json-mappings-img',
    kind: 'string',
    group: 'mappings',
    arg: 'image',
    help: 'write final image mappings to a registry image',
    spec: 'mappings.write.image',
  },
  mappingsFormat: {
    name: 'mappings-format',
    kind: 'string',
    group: 'mappings',
    arg: 'format',
    help: 'JSON format of written mappings: seed (ignoredCVEs/foundCVEs) or upstream (vulncheckResult); both are read',
    choices: ['seed', 'upstream'],
    spec: 'mappings.write.format',
  },
  writeKustomizeImages: {
    name: 'write-kustomize-images',
    kind: 'string',
    group: 'mappings',
    arg: 'file',
    help: 'write final image mappings as a kustomize images: list (name, newName, newTag or digest), for kustomization.yaml or Flux spec.images',
    spec: 'mappings.write.kustomizeImages',
  },

  vulncheckMethod: {
    name: 'vulncheck-method',
    kind: 'string',
    group: 'vulncheck',
    arg: 'method',
    help: 'vulnerability check method: exec (run -vulncheck-command; trivy is its seed-era name, which defaults to -trivy-command) or grafeas',
    choices: ['exec', 'trivy', 'grafeas'],
    spec: 'vulncheck.method',
  },
  vulncheckMaxCvss: {
    name: 'vulncheck-max-cvss',
    kind: 'float',
    group: 'vulncheck',
    arg: 'score',
    help: 'maximum CVSS vulnerability score; 0 (with -vulncheck-max-risk 0) disables checks, 11 records CVEs but fails none',
    min: 0,
    max: 11,
    spec: 'vulncheck.maxCVSS',
  },
  vulncheckMaxRisk: {
    name: 'vulncheck-max-risk',
    kind: 'float',
    group: 'vulncheck',
    arg: 'risk',
    help: 'maximum vulnerability risk score (grype-json); 0 disables the risk limit',
    min: 0,
    spec: 'vulncheck.maxRisk',
  },
  vulncheckIgnoreCveList: {
    name: 'vulncheck-ignore-cve-list',
    kind: 'list',
    group: 'vulncheck',
    arg: '[REGEXP=]CVE,...',
    help: 'comma separated list of vulnerabilities to ignore; with REGEXP= only for images whose registry/repository@digest matches; repeatable',
    repeatable: true,
    whole: true,
    spec: 'vulncheck.ignoreCVEs',
  },
  vulncheckIgnoreImages: {
    name: 'vulncheck-ignore-images',
    kind: 'string',
    group: 'vulncheck',
    arg: 'regexp',
    help: 'regexp of images to skip for CVE checks',
    spec: 'vulncheck.ignoreImages',
  },
  vulncheckTimeoutMs: {
    name: 'vulncheck-timeout',
    kind: 'duration',
    group: 'vulncheck',
    help: 'how long to wait for vulnerability scanning to complete',
    spec: 'vulncheck.timeout',
  },
  vulncheckMaxRetries: {
    name: 'vulncheck-max-retries',
    kind: 'int',
    group: 'vulncheck',
    help: 'max number of attempts to check for vulnerabilities',
    min: 0,
    spec: 'vulncheck.maxRetries',
  },
  vulncheckReport: {
    name: 'vulncheck-report',
    kind: 'string',
    group: 'vulncheck',
    arg: 'file',
    help: 'write a per-image report of CVEs and mappings to this file (.md or .html)',
    spec: 'vulncheck.report',
  },
  vulncheckReportTemplate: {
    name: 'vulncheck-report-template',
    kind: 'string',
    group: 'vulncheck',
    arg: 'file',
    help: 'a file containing a Go template (with sprig functions) to render for vulncheck reporting; needs -vulncheck-report-output',
    spec: 'vulncheck.reportTemplate',
  },
  vulncheckReportOutput: {
    name: 'vulncheck-report-output',
    kind: 'string',
    group: 'vulncheck',
    arg: 'file',
    help: 'a file to write the vulncheck report to; needs -vulncheck-report-template',
    spec: 'vulncheck.reportOutput',
  },
  vulncheckCommand: {
    name: 'vulncheck-command',
    kind: 'string',
    group: 'vulncheck',
    arg: 'command',
    help: 'the command to run to retrieve vulnerability scans in -vulncheck-format (the image registry/repository@digest is added as the last arg; output capped at 128 MiB)',
    shownDefault: 'grype --by-cve -o json',
    spec: 'vulncheck.command',
  },
  vulncheckFormat: {
    name: 'vulncheck-format',
    kind: 'string',
    group: 'vulncheck',
    arg: 'format',
    help: 'the output format of the vulncheck command (trivy-json,grype-json); trivy-json with -vulncheck-method trivy or -trivy-command',
    choices: ['trivy-json', 'grype-json'],
    shownDefault: 'grype-json',
    spec: 'vulncheck.format',
  },
  vulncheckWorkers: {
    name: 'vulncheck-workers',
    kind: 'int',
    group: 'vulncheck',
    arg: 'n',
    help: 'number of concurrent image vulnerability scans; 0 means one per CPU',
    min: 0,
    shownDefault: 'number of CPUs',
    spec: 'vulncheck.workers',
  },
  trivyCommand: {
    name: 'trivy-command',
    kind: 'string',
    group: 'vulncheck',
    arg: 'command',
    help: "seed-era form of -vulncheck-command for trivy's JSON format (the image id will be added as an additional arg)",
    shownDefault: 'trivy image -f json',
    spec: 'vulncheck.trivyCommand',
  },
  grafeasParent: {
    name: 'grafeas-parent',
    kind: 'string',
    group: 'vulncheck',
    arg: 'parent',
    help: 'value for the parent of the Grafeas client (e.g. "projects/my-project-id" for GCP); used by grafeas checks and attestations',
    spec: 'grafeas.parent',
  },
  grafeasEndpoint: {
    name: 'grafeas-endpoint',
    kind: 'string',
    group: 'vulncheck',
    arg: 'HOST:PORT',
    help: 'Grafeas API endpoint; empty means Google Container Analysis',
    spec: 'grafeas.endpoint',
  },

  binauthzAttestor: {
    name: 'binauthz-attestor',
    kind: 'string',
    group: 'attest',
    arg: 'attestor',
    help: 'Google BinAuthz Attestor (e.g. projects/myproj/attestors/myattestor)',
    spec: 'binauthz.attestor',
  },
  binauthzEndpoint: {
    name: 'binauthz-endpoint',
    kind: 'string',
    group: 'attest',
    arg: 'URL',
    help: 'Binary Authorization API endpoint',
    spec: 'binauthz.endpoint',
  },
  gcpKmsKey: {
    name: 'gcp-kms-key',
    kind: 'string',
    group: 'attest',
    arg: 'key',
    help: 'KMS key, defaults to the first key listed in the BinAuthz attestor (e.g. projects/PROJECT/locations/LOCATION/keyRings/KEYRING/cryptoKeys/KEY/cryptoKeyVersions/V)',
    spec: 'binauthz.kmsKey',
  },
  kmsEndpoint: {
    name: 'kms-endpoint',
    kind: 'string',
    group: 'attest',
    arg: 'HOST:PORT',
    help: 'Cloud KMS API endpoint; empty means Google Cloud KMS',
    spec: 'binauthz.kmsEndpoint',
  },

  insecureRegistries: {
    name: 'insecure-registry',
    kind: 'list',
    group: 'registry',
    arg: 'HOST[:PORT]',
    help: 'registry to reach over plain HTTP; repeatable or comma separated',
    repeatable: true,
    spec: 'registries.insecure',
  },
  registryTimeoutMs: {
    name: 'registry-timeout',
    kind: 'duration',
    group: 'registry',
    help: 'per registry request try: how long to wait for the response headers, and for each gap in a body',
    spec: 'registries.timeout',
  },
  registryAttempts: {
    name: 'registry-attempts',
    kind: 'int',
    group: 'registry',
    help: 'tries per registry operation, the first included; an operation fails after at most attempts x timeout plus backoff (0.25 s doubling, at most 15 s each)',
    min: 1,
    max: 100,
    spec: 'registries.attempts',
  },
  registryMirrors: {
    name: 'registry-mirror',
    kind: 'list',
    group: 'registry',
    arg: 'REGISTRY=MIRROR',
    help: 'read manifests and blobs of REGISTRY from MIRROR (host[:port][/path]); names stay canonical and every digest is checked by a HEAD on REGISTRY; repeatable or comma separated',
    repeatable: true,
    spec: 'registries.mirrors',
  },

  verifyOnly: {
    name: 'verify-only',
    kind: 'bool',
    group: 'policy',
    help: 'change and copy nothing: fail unless every image is pinned by digest, exists, and passes the static mappings, -allowed-registries, vulnerability and attestation checks',
    spec: 'verifyOnly',
  },
  allowedRegistries: {
    name: 'allowed-registries',
    kind: 'string',
    group: 'policy',
    arg: 'regexp',
    help: 'every final image\'s REGISTRY/REPOSITORY (e.g. ghcr.io/org/app) must match this expression',
    spec: 'allowedRegistries',
  },
};

export const FLAG_DEFS: readonly FlagDef[] = (Object.keys(TABLE) as FlagKey[]).map(
  (key): FlagDef => ({ key, ...(TABLE[key] as FlagSpec<FlagKey>) }),
);

const BY_NAME = new Map<string, FlagDef>();
for (const d of FLAG_DEFS) for (const n of [d.name, ...(d.aliases ?? [])]) BY_NAME.set(n, d);

/** Look a flag up by any of its names (without dashes). */
export function flagByName(name: string): FlagDef | undefined {
  return BY_NAME.get(name);
}

export function flagByKey(key: FlagKey): FlagDef {
  return FLAG_DEFS.find((d) => d.key === key) as FlagDef;
}

export const GROUP_TITLES: Readonly<Record<FlagGroup, string>> = {
  general: 'General',
  input: 'Input',
  rename: 'Renaming',
  copy: 'Copying',
  mappings: 'Mappings',
  vulncheck: 'Vulnerability checks',
  attest: 'Attestation (Binary Authorization)',
  registry: 'Registries',
  policy: 'Verification and policy',
};

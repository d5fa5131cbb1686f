/** --help and --version texts; the flag list is rendered from the flag table in Go's PrintDefaults format. */
import { formatGoDuration } from '../gocompat/duration';
import { FLAG_DEFS, FlagDef, FlagGroup, GROUP_TITLES } from './flagdefs';
import { DEFAULT_OPTIONS } from './options';
import { packageVersion } from '../util/version';

const GO_TYPE: Readonly<Record<FlagDef['kind'], string>> = {
  bool: '',
  string: 'string',
  int: 'int',
  float: 'float',
  duration: 'duration',
  list: 'list',
};

/** Go prints "(default X)" only for non-zero defaults, strings quoted. */
/** Go's " (default X)" suffix, or '' for a zero default; also used for README's flag table. */
export function defaultSuffix(d: FlagDef): string {
  if (d.shownDefault !== undefined) return ` (default ${d.kind === 'string' ? JSON.stringify(d.shownDefault) : d.shownDefault})`;
  const v = DEFAULT_OPTIONS[d.key];
  if (v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0)) return '';
  if (d.kind === 'duration') return ` (default ${formatGoDuration(v as number)})`;
  if (d.kind === 'string') return ` (default ${JSON.stringify(v)})`;
  return ` (default ${Array.isArray(v) ? v.join(',') : String(v)})`;
}

function flagEntry(d: FlagDef): string {
  const type = d.arg ?? GO_TYPE[d.kind];
  let head = `  -${d.name}${type ? ` ${type}` : ''}`;
  // Go puts the help of a one-letter bool on the same line.
  head += head.length <= 4 ? '\t' : '\n    \t';
  const aliases = d.aliases?.length ? ` (also ${d.aliases.map((a) => `-${a}`).join(', ')})` : '';
  return head + d.help + aliases + defaultSuffix(d);
}

// Laid out like a kpt function catalog page: overview, usage, FunctionConfig (with its fields), flags, examples.
const OVERVIEW = `reimage: pins container images to digests, renames and copies them to your
registry, checks them for vulnerabilities and attests them, in Kubernetes YAML.
Every image is checked to exist; on any error nothing is written to stdout.`;

const USAGE = `Usage:
  reimage [flags] < input.yaml > output.yaml
  kpt fn eval DIR --image localhost/reimage:dev --network \\
    --mount type=bind,src=$HOME/.docker,dst=/home/node/.docker,rw=false \\
    [--fn-config reimage.yaml | -- key=value ...]
  kpt fn eval DIR --exec reimage [--fn-config reimage.yaml | -- key=value ...]
  kpt fn render DIR --allow-network      (image or exec in the Kptfile pipeline)
  kustomize build --enable-alpha-plugins --network DIR   (container: transformer)
  kustomize build --enable-alpha-plugins --enable-exec DIR   (exec: transformer)
  helm template|install ... --post-renderer reimage --post-renderer-args=-flag ...
      (Helm 4: the plugin from helm plugin install ./helm-plugin;
       Helm 3: reimage is the path of the executable)

Modes (chosen from the input):
  KRM function        the input is a ResourceList (kpt fn eval/render, or a
                      kustomize transformer); settings come from the
                      functionConfig and from flags, and flags win
  helm post-renderer  any other input is a multi-document YAML stream
  mappings only       -mappings-only with static mappings: no YAML is read;
                      the mapped images are copied, checked and attested`;

const FUNCTION_CONFIG = `FunctionConfig:
  A ConfigMap whose data keys are the flag names without dashes (what kpt's
  -- key=value makes), or an apiVersion: fn.reimage.dev/v1alpha1, kind: ReImage
  resource (JSON Schema in fn-config/reimage.schema.json). Fields, as
  ConfigMap key = ReImage field:`;

const FLAGS_NOTE = `Flags take one or two dashes: -flag value, -flag=value; booleans: -flag,
-flag=true, -flag=false.`;

const ENVIRONMENT = `Environment:
  DOCKER_CONFIG     directory of the registry credentials' config.json
                    (default ~/.docker); credential helpers named there run
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY (or lower case)
                    registry traffic through a proxy, as Go's net/http:
                    HTTPS_PROXY for https registries (CONNECT), HTTP_PROXY for
                    -insecure-registry ones; never for localhost or loopback;
                    http://user:pass@host:port sends Proxy-Authorization`;

const EXAMPLES = `Examples:
  # Pin every image to its digest (each must exist)
  reimage < app.yaml > pinned.yaml

  # Copy every image into your registry and pin it, as a container function
  # with registry credentials mounted (kpt runs it as nobody: make them readable)
  kpt fn eval ./pkg --image localhost/reimage:dev --network \\
    --mount type=bind,src=$HOME/.docker,dst=/home/node/.docker,rw=false \\
    -- rename-remote-path=registry.example.com/mirror rename-force-digest=true

  # The same with a typed FunctionConfig
  kpt fn eval ./pkg --image localhost/reimage:dev --network --fn-config reimage.yaml

  # Helm 4 (plugin) and Helm 3 (path)
  helm plugin install ./helm-plugin
  helm template r ./chart --post-renderer reimage \\
    --post-renderer-args=-rename-remote-path \\
    --post-renderer-args=registry.example.com/mirror
  helm template r ./chart --post-renderer /usr/local/bin/reimage \\
    --post-renderer-args=-rename-remote-path \\
    --post-renderer-args=registry.example.com/mirror

  # Offline: rename from a mappings file, no registry access
  reimage -static-json-mappings-file mappings.json \\
    -verify-static-json-mappings=false -no-copy < app.yaml`;

function configFields(): string {
  const rows = FLAG_DEFS.filter((d) => d.spec !== undefined).map((d) => [d.name, `spec.${d.spec as string}`] as const);
  const width = rows.reduce((w, [k]) => Math.max(w, k.length), 0) + 2;
  rows.push(['(ReImage only)', 'spec.rules: inline image rules, as in -rules-config']);
  return rows.map(([k, f]) => `    ${k.padEnd(width)}${f}`).join('\n');
}

export function helpText(): string {
  const groups = new Map<FlagGroup, string[]>();
  for (const d of FLAG_DEFS) {
    const list = groups.get(d.group) ?? [];
    list.push(flagEntry(d));
    groups.set(d.group, list);
  }
  const sections = [...groups].map(([g, entries]) => `${GROUP_TITLES[g]}:\n${entries.join('\n')}`);
  return [OVERVIEW, USAGE, `${FUNCTION_CONFIG}\n${configFields()}`, FLAGS_NOTE, ...sections, ENVIRONMENT, EXAMPLES].join('\n\n') + '\n';
}

export function versionText(): string {
  return `reimage ${packageVersion()}\n`;
}

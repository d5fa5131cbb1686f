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
function defaultSuffix(d: FlagDef): string {
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

const HEADER = `Usage: reimage [flags] < input > output

reimage pins container images to digests, renames and copies them to your
registry, checks them for vulnerabilities and attests them, in Kubernetes YAML.

Modes (chosen from the input):
  KRM function        the input is a ResourceList (kpt fn eval/render, or a
                      kustomize exec transformer); settings come from the
                      functionConfig and from flags, and flags win
  helm post-renderer  any other input is a multi-document YAML stream:
                      helm install --post-renderer reimage ...
  mappings only       -mappings-only with static mappings: no YAML is read;
                      the mapped images are copied, checked and attested

FunctionConfig: a ConfigMap whose data keys are the flag names without dashes
(kpt fn eval ... -- rename-remote-path=...), or an
apiVersion: fn.reimage.dev/v1alpha1, kind: ReImage resource (JSON Schema in
fn-config/reimage.schema.json).

Flags take one or two dashes: -flag value, -flag=value; booleans: -flag,
-flag=true, -flag=false.`;

export function helpText(): string {
  const groups = new Map<FlagGroup, string[]>();
  for (const d of FLAG_DEFS) {
    const list = groups.get(d.group) ?? [];
    list.push(flagEntry(d));
    groups.set(d.group, list);
  }
  const sections = [...groups].map(([g, entries]) => `${GROUP_TITLES[g]}:\n${entries.join('\n')}`);
  return `${HEADER}\n\n${sections.join('\n\n')}\n`;
}

export function versionText(): string {
  return `reimage ${packageVersion()}\n`;
}

import { type GoTemplate, goStruct, parseTemplate, TemplateError } from '../gocompat/template';

/**
 * The fields of the Go tool's RepoTemplateInput, in its declaration order (which `{{ . }}` and
 * `{{ printf "%v" . }}` print), and its type name as Go's errors give it.
 */
export const RENAME_FIELDS = ['RemotePath', 'Digest', 'DigestAlgo', 'DigestHex', 'Tag', 'Registry', 'Repository'] as const;
export type RenameField = (typeof RENAME_FIELDS)[number];
export type RenameTemplateData = Readonly<Record<RenameField, string>>;
export const RENAME_TEMPLATE_TYPE = 'reimage.RepoTemplateInput';

export const DEFAULT_RENAME_TEMPLATE = '{{ .RemotePath }}/{{ .Registry }}/{{ .Repository }}:{{ .DigestHex }}';

export interface CompiledTemplate {
  readonly source: string;
  execute(data: Readonly<Record<string, string>>): string;
}

/**
 * Compiles a -rename-template as the Go tool does: `template.New("remote").Parse(text)` with text/template's
 * builtins only, so any template Go accepts works and gives Go's output, and errors read as Go's.
 * Beyond Go, a field the data can never have (`{{ .Nope }}`) fails here, at startup, instead of on the first
 * image: the template is tried once on sample data and only that data-independent error is raised early.
 */
export function compileTemplate(source: string, fields: readonly string[] = RENAME_FIELDS, name = 'remote'): CompiledTemplate {
  const tmpl = parseTemplate(name, source, { funcs: 'go' });
  const toData = (data: Readonly<Record<string, string>>): unknown =>
    goStruct(RENAME_TEMPLATE_TYPE, Object.fromEntries(fields.map((f) => [f, data[f] ?? ''])));
  checkFields(tmpl, toData(Object.fromEntries(fields.map((f) => [f, sampleValue(f)]))));
  return Object.freeze({
    source,
    execute: (data: Readonly<Record<string, string>>): string => tmpl.execute(toData(data)),
  });
}

function checkFields(tmpl: GoTemplate, sample: unknown): void {
  try {
    tmpl.execute(sample);
  } catch (e) {
    if (e instanceof TemplateError && e.message.includes(`can't evaluate field `) && e.message.endsWith(` in type ${RENAME_TEMPLATE_TYPE}`)) {
      throw e;
    }
  }
}

/** Plausible values, so a template that slices or indexes them runs through. */
function sampleValue(field: string): string {
  const hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  switch (field) {
    case 'Digest':
      return `sha256:${hex}`;
    case 'DigestAlgo':
      return 'sha256';
    case 'DigestHex':
      return hex;
    case 'Registry':
      return 'index.docker.io';
    case 'Repository':
      return 'library/nginx';
    case 'Tag':
      return 'latest';
    default:
      return 'registry.example.com/mirror';
  }
}

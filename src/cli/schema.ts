/** JSON Schema (draft 2020-12) of the typed FunctionConfig, generated from the flag table. */
import { FN_API_VERSION, FN_KIND } from './functionconfig';
import { FLAG_DEFS, FlagDef } from './flagdefs';
import { DEFAULT_OPTIONS } from './options';
import { formatGoDuration } from '../gocompat/duration';

export type JsonSchema = { [k: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | JsonSchema;

/** Positive Go durations (what -vulncheck-timeout accepts). */
export const DURATION_PATTERN = '^\\+?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$';

function leafSchema(d: FlagDef): JsonSchema {
  const s: JsonSchema = { description: `${d.help} (flag -${d.name}${d.shownDefault !== undefined ? `; default ${d.shownDefault}` : ''})` };
  const def = DEFAULT_OPTIONS[d.key];
  // An option whose '' or 0 means "not given" publishes no default of its own.
  if (d.shownDefault !== undefined && (d.kind === 'string' || d.kind === 'int')) {
    return d.kind === 'string' ? { ...s, type: 'string', ...(d.choices ? { enum: [...d.choices] } : {}) } : { ...s, type: 'integer', ...(d.min !== undefined ? { minimum: d.min } : {}) };
  }
  switch (d.kind) {
    case 'bool':
      return { ...s, type: 'boolean', default: def as boolean };
    case 'string':
      return { ...s, type: 'string', ...(d.choices ? { enum: [...d.choices] } : {}), default: def as string };
    case 'int':
    case 'float':
      return {
        ...s,
        type: d.kind === 'int' ? 'integer' : 'number',
        ...(d.min !== undefined ? { minimum: d.min } : {}),
        ...(d.max !== undefined ? { maximum: d.max } : {}),
        default: def as number,
      };
    case 'duration':
      return { ...s, type: 'string', pattern: DURATION_PATTERN, default: formatGoDuration(def as number) };
    case 'list':
      return { ...s, type: 'array', items: { type: 'string' } };
  }
}

const RULE: JsonSchema = {
  type: 'object',
  description: 'Where images live in other kinds: regexps on kind and apiVersion, JSONPath queries for the image fields',
  additionalProperties: false,
  required: ['kind', 'imageJSONP'],
  properties: {
    kind: { type: 'string', minLength: 1, description: 'regexp matching the kind (Raw: any YAML document with -input yaml)' },
    apiVersion: { type: 'string', description: 'regexp matching the apiVersion' },
    imageJSONP: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'JSONPath queries of image fields' },
  },
};

function group(): JsonSchema & { properties: Record<string, JsonSchema> } {
  return { type: 'object', additionalProperties: false, properties: {} };
}

export function functionConfigSchema(): JsonSchema {
  const spec = group();
  spec.type = ['object', 'null'];
  spec.properties.rules = { type: 'array', items: { $ref: '#/$defs/rule' }, description: 'inline image rules, added to -rules-config' };
  for (const d of FLAG_DEFS) {
    if (d.spec === undefined) continue;
    const parts = d.spec.split('.');
    let level = spec;
    for (const p of parts.slice(0, -1)) {
      const next = (level.properties[p] ??= group()) as ReturnType<typeof group>;
      level = next;
    }
    level.properties[parts[parts.length - 1] as string] = leafSchema(d);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://reimage.dev/schemas/fn.reimage.dev/v1alpha1/reimage.schema.json',
    title: `${FN_KIND} (${FN_API_VERSION}): reimage FunctionConfig`,
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion', 'kind'],
    properties: {
      apiVersion: { const: FN_API_VERSION },
      kind: { const: FN_KIND },
      // Kubernetes ObjectMeta: kpt and kustomize add their own annotations here.
      metadata: { type: 'object' },
      spec,
    },
    $defs: { rule: RULE },
  };
}

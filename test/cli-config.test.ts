import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { functionConfigPaths, optionsFromFunctionConfig } from '../src/cli/functionconfig';
import { FLAG_DEFS } from '../src/cli/flagdefs';
import { resolveOptions } from '../src/cli/config';
import { functionConfigSchema, JsonSchema } from '../src/cli/schema';
import { DEFAULT_OPTIONS, Options } from '../src/cli/options';
import { UsageError } from '../src/util/errors';

const FN = { apiVersion: 'fn.reimage.dev/v1alpha1', kind: 'ReImage' };
const typed = (spec: unknown) => optionsFromFunctionConfig({ ...FN, metadata: { name: 'x' }, spec });
const cm = (data: Record<string, unknown>) =>
  optionsFromFunctionConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data });
const errOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no error');
};
const fnDir = path.join(__dirname, '..', 'fn-config');
const loadYaml = (f: string): unknown => yaml.load(fs.readFileSync(path.join(fnDir, f), 'utf8'));

describe('typed ReImage FunctionConfig', () => {
  test('nested spec maps onto options', () => {
    const r = typed({
      rename: { remotePath: 'reg/x', template: 't', ignore: '^a', forceDigest: true },
      copy: { clobber: true, disabled: true },
      mappings: { static: { file: 'm.json', verify: false }, write: { image: 'reg/m:1' }, only: true },
      vulncheck: { method: 'grafeas', maxCVSS: 7, ignoreCVEs: ['CVE-1'], timeout: '90s', maxRetries: 3, report: 'r.md' },
      grafeas: { parent: 'projects/p', endpoint: 'localhost:1' },
      binauthz: { attestor: 'projects/p/attestors/a', kmsKey: 'k', kmsEndpoint: 'h:2', endpoint: 'http://h:3' },
      registries: { insecure: ['localhost:5000'] },
      concurrency: 2,
      input: 'yaml',
      dryRun: true,
      rules: [{ kind: '^Foo$', imageJSONP: ['$.spec.image'] }],
    });
    expect(r.options).toEqual({
      renameRemotePath: 'reg/x', renameTemplate: 't', renameIgnore: '^a', renameForceDigest: true,
      clobber: true, noCopy: true,
      staticJsonMappingsFile: 'm.json', verifyStaticJsonMappings: false, writeJsonMappingsImg: 'reg/m:1', mappingsOnly: true,
      vulncheckMethod: 'grafeas', vulncheckMaxCvss: 7, vulncheckIgnoreCveList: ['CVE-1'], vulncheckTimeoutMs: 90_000,
      vulncheckMaxRetries: 3, vulncheckReport: 'r.md',
      grafeasParent: 'projects/p', grafeasEndpoint: 'localhost:1',
      binauthzAttestor: 'projects/p/attestors/a', gcpKmsKey: 'k', kmsEndpoint: 'h:2', binauthzEndpoint: 'http://h:3',
      insecureRegistries: ['localhost:5000'], concurrency: 2, input: 'yaml', dryRun: true,
      rules: [{ kind: '^Foo$', apiVersion: '', imageJSONP: ['$.spec.image'] }],
    });
    expect(r.set.size).toBe(Object.keys(r.options).length);
  });

  test('absent, null and empty configs give nothing', () => {
    for (const fc of [undefined, null, { ...FN }, { ...FN, spec: null }, { ...FN, spec: {} }]) {
      expect(optionsFromFunctionConfig(fc)).toEqual({ options: {}, set: new Set() });
    }
  });

  test.each<[unknown, string]>([
    [{ rename: { remotepath: 'x' } }, 'FunctionConfig ReImage: unknown field "spec.rename.remotepath" (did you mean "remotePath"?)'],
    [{ rename: { remote_path: 'x' } }, 'FunctionConfig ReImage: unknown field "spec.rename.remote_path" (did you mean "remotePath"?)'],
    [{ renam: {} }, 'FunctionConfig ReImage: unknown field "spec.renam" (did you mean "rename"?)'],
    [{ noCopy: true }, 'FunctionConfig ReImage: unknown field "spec.noCopy" (did you mean "spec.copy.disabled"?)'],
    [{ grafeasParent: 'x' }, 'FunctionConfig ReImage: unknown field "spec.grafeasParent" (did you mean "spec.grafeas.parent"?)'],
    [{ zzz: 1 }, 'FunctionConfig ReImage: unknown field "spec.zzz"'],
    [{ vulncheck: { grafeas: { parent: 'p' } } }, 'FunctionConfig ReImage: unknown field "spec.vulncheck.grafeas" (did you mean "spec.grafeas"?)'],
    [{ rules: [{ kind: 'A', imageJsonp: ['$.x'] }] }, 'FunctionConfig ReImage: unknown field "spec.rules[0].imageJsonp" (did you mean "imageJSONP"?)'],
  ])('unknown field %j', (spec, msg) => {
    expect(errOf(() => typed(spec))).toBe(msg);
  });

  test('unknown top-level field', () => {
    expect(errOf(() => optionsFromFunctionConfig({ ...FN, specs: {} }))).toBe(
      'FunctionConfig ReImage: unknown field "specs" (did you mean "spec"?)',
    );
  });

  test.each<[unknown, string]>([
    [{ dryRun: 'true' }, 'field "spec.dryRun" must be a boolean, got string "true"'],
    [{ concurrency: 1.5 }, 'field "spec.concurrency" must be an integer, got number 1.5'],
    [{ vulncheck: { maxCVSS: '7' } }, 'field "spec.vulncheck.maxCVSS" must be a number, got string "7"'],
    [{ vulncheck: { timeout: 300 } }, 'field "spec.vulncheck.timeout" must be a Go duration string such as "5m" or "1h30m", got number 300'],
    [{ vulncheck: { timeout: '5 minutes' } }, 'field "spec.vulncheck.timeout": time: unknown unit " minutes" in duration "5 minutes"'],
    [{ vulncheck: { ignoreCVEs: 'CVE-1' } }, 'field "spec.vulncheck.ignoreCVEs" must be a list of strings, got string "CVE-1"'],
    [{ vulncheck: { method: 'clair' } }, 'field "spec.vulncheck.method" must be one of exec, trivy, grafeas, got "clair"'],
    [{ rename: 'x' }, 'field "spec.rename" must be a mapping, got string "x"'],
    [{ rename: null }, 'field "spec.rename" must be a mapping, got null'],
    [{ rename: { template: null } }, 'field "spec.rename.template" must be a string, got null'],
    [{ rules: {} }, 'field "spec.rules" must be a list of rules, got a mapping'],
    [{ rules: [{ imageJSONP: ['$.a'] }] }, 'field "spec.rules[0].kind" must be a non-empty string, got nothing'],
    [{ rules: [{ kind: 'A', imageJSONP: [] }] }, 'field "spec.rules[0].imageJSONP" must be a non-empty list of strings, got a list'],
    ['x', 'field "spec" must be a mapping, got string "x"'],
  ])('wrong type %j', (spec, msg) => {
    expect(errOf(() => typed(spec))).toBe(`FunctionConfig ReImage: ${msg}`);
  });

  test('the example file loads and validates', () => {
    const fc = loadYaml('reimage.yaml');
    const r = resolveOptions([], fc);
    expect(r.options.renameRemotePath).toBe('europe-docker.pkg.dev/my-project/mirror');
    expect(r.options.vulncheckTimeoutMs).toBe(300_000);
    expect(r.options.rules).toHaveLength(1);
    expect(r.warnings).toEqual([]);
  });
});

describe('ConfigMap FunctionConfig', () => {
  test('data keys are flag names, values parsed like flags', () => {
    const r = cm({
      'rename-remote-path': 'reg/x',
      'rename-force-digest': 'true',
      'verify-static-json-mappings': 'false',
      'vulncheck-max-cvss': '7.5',
      'vulncheck-timeout': '1m',
      'vulncheck-ignore-cve-list': 'a, b,,',
      'insecure-registry': 'h1,h2:5000',
      concurrency: '3',
      dryrun: 'True',
    });
    expect(r.options).toEqual({
      renameRemotePath: 'reg/x', renameForceDigest: true, verifyStaticJsonMappings: false, vulncheckMaxCvss: 7.5,
      vulncheckTimeoutMs: 60_000, vulncheckIgnoreCveList: ['a, b,,'], insecureRegistries: ['h1', 'h2:5000'],
      concurrency: 3, dryRun: true,
    });
  });

  test('unquoted YAML scalars are tolerated', () => {
    expect(cm({ debug: true, concurrency: 4 }).options).toEqual({ debug: true, concurrency: 4 });
  });

  test('empty data', () => {
    expect(optionsFromFunctionConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }).set.size).toBe(0);
  });

  test.each<[Record<string, unknown>, string]>([
    [{ 'rename-remote-pth': 'x' }, 'unknown key "rename-remote-pth" (did you mean "rename-remote-path"?)'],
    [{ renameRemotePath: 'x' }, 'unknown key "renameRemotePath" (did you mean "rename-remote-path"?)'],
    [{ 'dry-run': 'true' }, 'unknown key "dry-run" (did you mean "dryrun"?)'],
    [{ help: 'true' }, 'unknown key "help"'],
    [{ V: 'true' }, 'unknown key "V"'],
    [{ 'vulncheck-max-cvss': 'abc' }, 'invalid value "abc" for key "vulncheck-max-cvss": parse error'],
    [{ dryrun: 'yes' }, 'invalid value "yes" for key "dryrun": parse error'],
    [{ input: 'json' }, 'invalid value "json" for key "input": must be one of k8s, yaml'],
    [{ 'vulncheck-timeout': '10' }, 'invalid value "10" for key "vulncheck-timeout": parse error (time: missing unit in duration "10")'],
    [{ ignore: ['a'] }, 'key "ignore" must be a string, got a list'],
  ])('error %j', (data, msg) => {
    expect(errOf(() => cm(data))).toBe(`FunctionConfig ConfigMap: ${msg}`);
  });

  test('the example file loads and validates', () => {
    const r = resolveOptions([], loadYaml('configmap.yaml'));
    expect(r.options.vulncheckIgnoreCveList).toEqual(['CVE-2023-44487, CVE-2024-0001']);
    expect(r.options.renameForceDigest).toBe(true);
    expect(r.warnings).toEqual([]);
  });
});

test('other kinds are refused', () => {
  expect(errOf(() => optionsFromFunctionConfig({ apiVersion: 'v1', kind: 'Secret' }))).toBe(
    'unsupported FunctionConfig apiVersion "v1" kind "Secret": want apiVersion fn.reimage.dev/v1alpha1 kind ReImage, or apiVersion v1 kind ConfigMap',
  );
  expect(errOf(() => optionsFromFunctionConfig({ apiVersion: 'fn.reimage.dev/v1', kind: 'ReImage' }))).toMatch(/^unsupported FunctionConfig apiVersion "fn.reimage.dev\/v1" kind "ReImage"/);
  expect(errOf(() => optionsFromFunctionConfig([]))).toBe('FunctionConfig must be a mapping, got a list');
});

describe('precedence: defaults <- functionConfig <- flags', () => {
  test('flags win, functionConfig beats defaults, untouched keys keep defaults', () => {
    const fc = { ...FN, spec: { rename: { remotePath: 'fc/path', forceDigest: true }, concurrency: 2, registries: { insecure: ['a'] } } };
    const r = resolveOptions(['-rename-remote-path', 'flag/path', '-insecure-registry=b'], fc);
    expect(r.options.renameRemotePath).toBe('flag/path');
    expect(r.options.renameForceDigest).toBe(true);
    expect(r.options.concurrency).toBe(2);
    expect(r.options.insecureRegistries).toEqual(['b']); // a flag replaces the config's list
    expect(r.options.renameTemplate).toBe(DEFAULT_OPTIONS.renameTemplate);
  });

  test('a bool flag can turn off a functionConfig true', () => {
    const r = resolveOptions(['-dryrun=false'], { apiVersion: 'v1', kind: 'ConfigMap', data: { dryrun: 'true' } });
    expect(r.options.dryRun).toBe(false);
  });

  test('defaults are fresh copies', () => {
    const r = resolveOptions([], null);
    expect(r.options).toEqual({ ...DEFAULT_OPTIONS });
    r.options.insecureRegistries.push('x');
    r.options.rules.push({ kind: 'A', apiVersion: '', imageJSONP: [] });
    expect(DEFAULT_OPTIONS.insecureRegistries).toEqual([]);
    expect(DEFAULT_OPTIONS.rules).toEqual([]);
  });

  test('help and version skip config and validation', () => {
    const r = resolveOptions(['--help', '-rename-ignore', '('], { kind: 'Nonsense' });
    expect(r.options.help).toBe(true);
    expect(resolveOptions(['-V'], { kind: 'Nonsense' }).options.version).toBe(true);
  });

  test('validation runs on the merged result', () => {
    expect(errOf(() => resolveOptions(['-ignore', '('], null))).toBe('invalid -ignore regexp "(": error parsing regexp: missing closing ): `(`');
    expect(errOf(() => resolveOptions([], { ...FN, spec: { rename: { ignore: '[' } } }))).toBe(
      'invalid -rename-ignore regexp "[": error parsing regexp: missing closing ]: `[`',
    );
  });
});

describe('schema agreement', () => {
  const schema = functionConfigSchema();
  type S = JsonSchema & { properties?: Record<string, S>; items?: S; $ref?: string; type?: unknown };
  const defs = (schema.$defs ?? {}) as Record<string, S>;
  const deref = (s: S): S => (typeof s.$ref === 'string' ? (defs[s.$ref.replace('#/$defs/', '')] as S) : s);
  const isGroup = (s: S): boolean => s.properties !== undefined;

  /** Leaf paths with their schemas; every object node must forbid additional properties. */
  function leaves(s: S, prefix: string, out: Map<string, S>): Map<string, S> {
    s = deref(s);
    if (isGroup(s)) {
      expect([prefix, s.additionalProperties]).toEqual([prefix, false]);
      for (const [k, v] of Object.entries(s.properties ?? {})) leaves(v, prefix ? `${prefix}.${k}` : k, out);
    } else if (s.type === 'array' && s.items && isGroup(deref(s.items))) {
      leaves(s.items, `${prefix}[]`, out);
    } else {
      out.set(prefix, s);
    }
    return out;
  }
  const specLeaves = leaves((schema.properties as Record<string, S>).spec as S, 'spec', new Map());

  test('the published file is the generated schema', () => {
    const file = path.join(fnDir, 'reimage.schema.json');
    // Regenerate with UPDATE_SCHEMA=1 npx jest test/cli-config
    if (process.env.UPDATE_SCHEMA) fs.writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(schema);
  });

  test('schema paths == reader paths', () => {
    expect([...specLeaves.keys()].sort()).toEqual(functionConfigPaths().sort());
  });

  test('every configurable flag has a spec path and every Options key is reachable', () => {
    const keys = new Set<keyof Options>(['rules']);
    for (const d of FLAG_DEFS) if (d.spec) keys.add(d.key);
    const notConfigurable = (Object.keys(DEFAULT_OPTIONS) as (keyof Options)[]).filter((k) => !keys.has(k));
    expect(notConfigurable.sort()).toEqual(['help', 'version']);
  });

  /** A value the schema accepts for a leaf. */
  function sample(s: S): unknown {
    if (Array.isArray(s.enum)) return s.enum[s.enum.length - 1];
    if (s.pattern) return '90s';
    switch (s.type) {
      case 'boolean': return true;
      case 'integer': return 3;
      case 'number': return 2.5;
      case 'array': return ['v'];
      default: return 'v';
    }
  }
  function setPath(obj: Record<string, unknown>, p: string, v: unknown): void {
    const parts = p.split('.');
    let cur = obj;
    for (const part of parts.slice(0, -1)) cur = (cur[part] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1] as string] = v;
  }

  test.each([...specLeaves.keys()].filter((p) => !p.includes('[]')))('reader accepts %s', (p) => {
    const fc: Record<string, unknown> = { ...FN };
    setPath(fc, p, sample(specLeaves.get(p) as S));
    const r = optionsFromFunctionConfig(fc);
    expect(r.set.size).toBe(1);
    const def = FLAG_DEFS.find((d) => `spec.${d.spec}` === p);
    expect(def && r.set.has(def.key)).toBe(true);
  });

  test('reader accepts the rules item shape', () => {
    const rule: Record<string, unknown> = {};
    for (const p of specLeaves.keys()) if (p.startsWith('spec.rules[].')) rule[p.slice('spec.rules[].'.length)] = sample(specLeaves.get(p) as S);
    expect(typed({ rules: [rule] }).options.rules).toHaveLength(1);
  });

  test('reader refuses extra keys wherever the schema does', () => {
    const groups = new Set<string>(['spec']);
    for (const p of specLeaves.keys()) {
      const parts = p.replace('[]', '').split('.');
      for (let i = 2; i < parts.length; i++) groups.add(parts.slice(0, i).join('.'));
    }
    for (const g of groups) {
      const fc: Record<string, unknown> = { ...FN };
      if (g === 'spec.rules') setPath(fc, g, [{ kind: 'A', imageJSONP: ['$.a'], extra: 1 }]);
      else setPath(fc, `${g}.extraKey`, 1);
      expect(() => optionsFromFunctionConfig(fc)).toThrow(/unknown field/);
    }
  });

  test('schema leaf types match flag kinds', () => {
    const want = { bool: 'boolean', string: 'string', duration: 'string', int: 'integer', float: 'number', list: 'array' };
    for (const d of FLAG_DEFS) {
      if (!d.spec) continue;
      expect([d.spec, specLeaves.get(`spec.${d.spec}`)?.type]).toEqual([d.spec, want[d.kind]]);
    }
  });
});
